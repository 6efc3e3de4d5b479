/* SPDX-License-Identifier: Apache-2.0 */
#include "verbs.h"
int verb_vercmp(int argc, char **argv) { (void) argc; (void) argv; log_error("not built yet"); return EXIT_ERROR; } /* placeholder */
