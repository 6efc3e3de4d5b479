/* SPDX-License-Identifier: Apache-2.0 */
/* CVE severities from NVD and CVE.org, for records that carry none: OSV's
 * distro records often have no CVSS, but name the CVE they fix, and NVD (or
 * the CNA, in the CVE record) scored it.  Formats: NVD API 2.0 pages
 * ({"vulnerabilities": [{"cve": {...}}]}), one NVD CVE object
 * ({"id": "CVE-...", "metrics": {...}}, as mirrors store them) and CVE JSON 5
 * records ({"dataType": "CVE_RECORD", "cveMetadata": {...}}). */
#include <string.h>

#include "base/strutil.h"
#include "vulndb-internal.h"

#define CVE_ID_MAX 64

/* NVD: cvssMetricV40 / V31 / V30 / V2, each a list where the entry of type
 * "Primary" is NVD's own score and "Secondary" the CNA's. */
static const struct {
        const char *nvd_key, *cve5_key, *osv_type;
} versions[] = {
        { "cvssMetricV40", "cvssV4_0", "CVSS_V4" },
        { "cvssMetricV31", "cvssV3_1", "CVSS_V3" },
        { "cvssMetricV30", "cvssV3_0", "CVSS_V3" },
        { "cvssMetricV2", "cvssV2_0", "CVSS_V2" },
};

static bool valid_cve_id(const char *id) {
        return id && startswith(id, "CVE-") && strlen(id) < CVE_ID_MAX;
}

static int add_vector(json_t *severity, const char *type, const char *vector) {
        if (!vector || !*vector)
                return 0;
        return json_array_append_new(severity, json_pack("{s:s, s:s}", "type", type, "score", vector));
}

static const char *nvd_vector(json_t *list) {
        json_t *m, *pick = NULL;
        size_t i;

        json_array_foreach(list, i, m) {
                if (!pick)
                        pick = m;
                if (streq_ptr(json_string_value(json_object_get(m, "type")), "Primary")) {
                        pick = m;
                        break;
                }
        }
        return json_string_value(json_object_get(json_object_get(pick, "cvssData"), "vectorString"));
}

static json_t *normalised(const char *cve, const char *source, const char *modified, json_t *severity) {
        if (json_array_size(severity) == 0) {
                json_decref(severity);
                return NULL;
        }
        return json_pack("{s:s, s:s, s:s?, s:o}", "cve", cve, "source", source, "modified", modified, "severity",
                         severity);
}

static json_t *from_nvd(json_t *cve) {
        const char *id = json_string_value(json_object_get(cve, "id"));
        json_t *metrics = json_object_get(cve, "metrics"), *sev;

        if (!valid_cve_id(id) || !json_is_object(metrics))
                return NULL;
        sev = json_array();
        for (size_t v = 0; v < ELEMENTSOF(versions); v++)
                (void) add_vector(sev, versions[v].osv_type, nvd_vector(json_object_get(metrics, versions[v].nvd_key)));
        return normalised(id, "nvd", json_string_value(json_object_get(cve, "lastModified")), sev);
}

/* CVE JSON 5: the CNA's metrics, then those of ADP containers (CISA's
 * Vulnrichment scores many that the CNA didn't). */
static void cve5_metrics(json_t *container, json_t *sev) {
        json_t *m;
        size_t i;

        json_array_foreach(json_object_get(container, "metrics"), i, m)
                for (size_t v = 0; v < ELEMENTSOF(versions); v++)
                        (void) add_vector(sev, versions[v].osv_type, json_string_value(json_object_get(
                                                  json_object_get(m, versions[v].cve5_key), "vectorString")));
}

static json_t *from_cve5(json_t *doc) {
        json_t *meta = json_object_get(doc, "cveMetadata"), *containers = json_object_get(doc, "containers"), *adp;
        const char *id = json_string_value(json_object_get(meta, "cveId"));
        json_t *sev;
        size_t i;

        if (!valid_cve_id(id))
                return NULL;
        sev = json_array();
        cve5_metrics(json_object_get(containers, "cna"), sev);
        json_array_foreach(json_object_get(containers, "adp"), i, adp)
                cve5_metrics(adp, sev);
        return normalised(id, "cve5", json_string_value(json_object_get(meta, "dateUpdated")), sev);
}

static int cve_drop(json_t *norm, void *userdata) {
        json_decref(norm);
        return 0;
}

bool vulndb_cve_document(json_t *doc) {
        return cve_severity_extract(doc, cve_drop, NULL) == 1;
}

int cve_severity_extract(json_t *doc, cve_severity_fn fn, void *userdata) {
        json_t *v, *n;
        size_t i;
        int r = 0;

        if (!json_is_object(doc))
                return 0;
        if (json_is_array(json_object_get(doc, "vulnerabilities"))) {
                json_array_foreach(json_object_get(doc, "vulnerabilities"), i, v) {
                        n = from_nvd(json_object_get(v, "cve"));
                        if (n && (r = fn(n, userdata)) < 0)
                                break;
                }
                return r < 0 ? r : 1;
        }
        if (json_is_object(json_object_get(doc, "cveMetadata")))
                n = from_cve5(doc);
        else if (json_is_object(json_object_get(doc, "metrics")) && !json_object_get(doc, "affected"))
                n = from_nvd(doc);
        else
                return 0; /* not a CVE document: OSV */
        if (n && (r = fn(n, userdata)) < 0)
                return r;
        return 1;
}
