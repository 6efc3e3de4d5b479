/* SPDX-License-Identifier: Apache-2.0 */
#include "verbs.h"
int verb_inventory(int argc, char **argv) { (void) argc; (void) argv; log_error("not built yet"); return EXIT_ERROR; } /* placeholder */
