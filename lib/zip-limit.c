/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <sys/stat.h>

#include "base/strutil.h"
#include "zip-limit.h"

int zip_limit_init(struct zip_limit *z, const char *path, const char *what, struct error *err) {
        struct stat st;

        if (stat(path, &st) < 0)
                return error_set_errno(err, errno, "%s", what);
        *z = (struct zip_limit) { .what = what, .archive_size = (uint64_t) st.st_size };
        return 0;
}

static uint64_t ratio_cap(const struct zip_limit *z) {
        uint64_t cap = z->archive_size > ZIP_INFLATED_MAX / ZIP_RATIO_MAX ? ZIP_INFLATED_MAX
                                                                         : z->archive_size * ZIP_RATIO_MAX;

        return cap < ZIP_RATIO_FLOOR ? ZIP_RATIO_FLOOR : cap;
}

static int refuse(const struct zip_limit *z, const char *what, uint64_t n, const char *limit, uint64_t cap,
                  struct error *err) {
        return error_set(err, EFBIG, "%s: entry %s %s %llu bytes, more than %s (%llu bytes); refusing the whole "
                         "archive (a zip bomb, or not an OSV export)", z->what, strna(z->entry_name), what,
                         (unsigned long long) n, limit, (unsigned long long) cap);
}

/* The totals (declared or inflated) against the ratio and the overall cap. */
static int check_total(const struct zip_limit *z, const char *what, uint64_t total, struct error *err) {
        uint64_t cap = ratio_cap(z);

        if (total <= cap)
                return 0;
        return error_set(err, EFBIG, "%s: entry %s %s the archive's entries to %llu bytes, more than %d times its "
                         "%llu bytes (or %llu bytes in all); refusing the whole archive (a zip bomb, or not an OSV "
                         "export)", z->what, strna(z->entry_name), what, (unsigned long long) total, ZIP_RATIO_MAX,
                         (unsigned long long) z->archive_size, (unsigned long long) ZIP_INFLATED_MAX);
}

int zip_limit_entry(struct zip_limit *z, struct archive_entry *e, struct error *err) {
        uint64_t size;

        z->entry_name = archive_entry_pathname(e);
        z->entry = 0;
        if (!archive_entry_size_is_set(e) || archive_entry_size(e) < 0)
                return 0;       /* a data descriptor: zip_limit_data() holds it */
        size = (uint64_t) archive_entry_size(e);
        if (size > ZIP_ENTRY_INFLATED_MAX)
                return refuse(z, "declares", size, "an entry may hold", ZIP_ENTRY_INFLATED_MAX, err);
        z->declared += size;
        return check_total(z, "brings the declared sizes of", z->declared, err);
}

int zip_limit_data(struct zip_limit *z, size_t n, struct error *err) {
        z->entry += n;
        z->inflated += n;
        if (z->entry > ZIP_ENTRY_INFLATED_MAX)
                return refuse(z, "inflates to", z->entry, "an entry may hold", ZIP_ENTRY_INFLATED_MAX, err);
        return check_total(z, "brings the inflated bytes of", z->inflated, err);
}
