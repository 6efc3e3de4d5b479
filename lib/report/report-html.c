/* SPDX-License-Identifier: Apache-2.0 */
/* `--format html`: one self-contained page that makes no request at all.
 *
 * Its Content-Security-Policy is default-src 'none' with the one style
 * sheet and the one script allowed by their sha256 (CSP Level 3, "hash-source"):
 * nothing else can load or run, whatever the image or the DB put in the page.
 * Every string from either is escaped here (HTML text and attributes); the
 * rows are rendered here and the script only sorts and hides them (it reads
 * data-* attributes and textContent, never writes markup). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"
#include "base/strutil.h"
#include "report-internal.h"

static const char page_css[] =
        "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0 24px 40px;"
        "color:#1d2329;background:#fff}"
        "h1{font-size:20px;margin:18px 0 4px;overflow-wrap:anywhere}"
        "h2{font-size:16px;margin:22px 0 8px}"
        ".meta{color:#5f6b77;margin:2px 0;overflow-wrap:anywhere}"
        ".meta b{color:#1d2329;font-weight:600}"
        ".mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}"
        ".unchecked{border:2px solid #cc0000;background:#fdf0ef;padding:6px 14px;margin:14px 0;border-radius:4px}"
        ".unchecked h2{color:#a30000;margin:6px 0}"
        ".unchecked li{margin:3px 0;overflow-wrap:anywhere}"
        ".warnings{border-left:4px solid #ff8c00;padding:2px 12px;margin:12px 0}"
        ".ok{color:#2b7a3d}"
        ".bar{width:100%;height:22px;display:block;margin:10px 0 6px}"
        ".legend{display:flex;flex-wrap:wrap;gap:4px 20px;margin:4px 0 10px}"
        ".legend b{font-size:16px}"
        ".chip{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px}"
        ".totals{font-size:15px;margin:6px 0}"
        ".s-CRITICAL{fill:#cc0000;background:#cc0000;color:#fff}"
        ".s-HIGH{fill:#ff8c00;background:#ff8c00;color:#1d2329}"
        ".s-MEDIUM{fill:#f5c518;background:#f5c518;color:#1d2329}"
        ".s-LOW{fill:#2f7ed8;background:#2f7ed8;color:#fff}"
        ".s-NONE{fill:#3c9a4e;background:#3c9a4e;color:#fff}"
        ".s-UNKNOWN{fill:#8c939a;background:#8c939a;color:#fff}"
        ".d-deny{fill:#cc0000;background:#cc0000;color:#fff}"
        ".d-warn{fill:#ff8c00;background:#ff8c00;color:#1d2329}"
        ".d-audit{fill:#8e44ad;background:#8e44ad;color:#fff}"
        ".d-allow{fill:#3c9a4e;background:#3c9a4e;color:#fff}"
        ".empty{fill:#e4e7eb}"
        ".sev{display:inline-block;padding:0 6px;border-radius:3px;font-size:12px;font-weight:600;white-space:nowrap}"
        ".kev{background:#5b0f91;color:#fff;padding:0 5px;border-radius:3px;font-size:11px;font-weight:600}"
        ".vexnote{display:block;color:#5f6b77;font-size:12px}"
        ".filters{display:flex;flex-wrap:wrap;gap:8px 20px;align-items:center;margin:10px 0;padding:8px 10px;"
        "background:#f3f5f7;border-radius:4px}"
        ".filters fieldset{border:0;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:4px 10px;align-items:center}"
        ".filters legend{float:left;font-weight:600;margin-right:4px}"
        "table{border-collapse:collapse;width:100%;font-size:13px}"
        "th,td{border-bottom:1px solid #d8dde3;padding:4px 8px;text-align:left;vertical-align:top}"
        "th{background:#f3f5f7;white-space:nowrap;position:sticky;top:0}"
        "table.sortable th{cursor:pointer;user-select:none}"
        "th[aria-sort=ascending]::after{content:' \\25B2'}"
        "th[aria-sort=descending]::after{content:' \\25BC'}"
        "td.num{text-align:right;font-variant-numeric:tabular-nums}"
        "td.wrap{overflow-wrap:anywhere;max-width:36em}"
        "tr.vex td{color:#8c939a}"
        ".aliases{display:block;font-size:12px}"
        ".path{color:#5f6b77;font-size:12px;overflow-wrap:anywhere}"
        ".chart{display:block;max-width:100%;height:auto;font:11px sans-serif}"
        ".chart text{fill:#5f6b77}"
        ".axis{stroke:#8c939a;stroke-width:1}"
        "td.weighed{font-weight:700}"
        ".nowrap{white-space:nowrap}";

/* Sorting by a column (its cells' data-k, else their text; numbers when
 * the header says data-type="num") and the filters: checkboxes .f-cat
 * against a row's data-cat, #f-q (text) against data-q, #f-fix against
 * data-fix, #f-kev against data-kev, #f-vex against data-vex. */
static const char page_js[] =
        "(function(){'use strict';"
        "var t=document.getElementById('rows');if(!t)return;"
        "var body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows);"
        "rows.forEach(function(r,i){r.dataset.i=i;});"
        "function key(r,c){var d=r.cells[c];if(!d)return'';var k=d.getAttribute('data-k');"
        "return k!==null?k:d.textContent;}"
        "function cmp(a,b,num){if(num)return(parseFloat(a)||0)-(parseFloat(b)||0);"
        "return a.localeCompare(b,undefined,{numeric:true,sensitivity:'base'});}"
        "var heads=Array.prototype.slice.call(t.tHead.rows[0].cells);"
        "heads.forEach(function(th,c){th.tabIndex=0;"
        "function sort(){var dir=th.getAttribute('aria-sort')==='ascending'?-1:1,"
        "num=th.getAttribute('data-type')==='num';"
        "heads.forEach(function(h){h.removeAttribute('aria-sort');});"
        "th.setAttribute('aria-sort',dir>0?'ascending':'descending');"
        "rows.sort(function(a,b){return dir*cmp(key(a,c),key(b,c),num)||a.dataset.i-b.dataset.i;});"
        "rows.forEach(function(r){body.appendChild(r);});}"
        "th.addEventListener('click',sort);"
        "th.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();sort();}});});"
        "function el(id){return document.getElementById(id);}"
        "var cats=Array.prototype.slice.call(document.querySelectorAll('.f-cat')),"
        "q=el('f-q'),fix=el('f-fix'),kev=el('f-kev'),vex=el('f-vex'),shown=el('shown');"
        "function filter(){var on={};cats.forEach(function(x){on[x.value]=x.checked;});"
        "var s=q?q.value.trim().toLowerCase():'',f=fix?fix.value:'',k=kev&&kev.checked,v=!vex||vex.checked,n=0;"
        "rows.forEach(function(r){var d=r.dataset,show=(d.cat===undefined||on[d.cat]!==false)"
        "&&(!s||(d.q||'').toLowerCase().indexOf(s)>=0)&&(!f||(f==='fixed')===(d.fix==='1'))"
        "&&(!k||d.kev==='1')&&(v||d.vex!=='1');r.hidden=!show;if(show)n++;});"
        "if(shown)shown.textContent=n+' of '+rows.length+' shown';}"
        "cats.concat([q,fix,kev,vex]).forEach(function(x){if(x){x.addEventListener('input',filter);"
        "x.addEventListener('change',filter);}});filter();})();";

/* ---- escaping ------------------------------------------------------------ */

int report_html_text(struct strbuf *b, const char *s) {
        static const char *const entity[128] = {
                ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;",
        };
        const char *run = s;
        int r = 0;

        if (!s)
                return 0;
        for (const char *p = s;; p++) {
                unsigned char c = (unsigned char) *p;
                size_t n = c >= 0x80 ? utf8_char_len((const unsigned char *) p) : 1;

                if (c >= 0x80 && n > 0 && !utf8_hidden((const unsigned char *) p, n)) {
                        p += n - 1;
                        continue;
                }
                if (c && c < 0x80 && !entity[c] && (c >= 0x20 || c == '\t' || c == '\n') && c != 0x7f)
                        continue;
                r = strbuf_append(b, run, (size_t) (p - run));
                if (r < 0 || !c)
                        return r;
                /* control bytes, bidi controls, invisible characters and
                 * broken UTF-8 as '?', one a byte, as the table prints them
                 * (a browser reorders a cell as a terminal does a line) */
                for (size_t k = n ? n : 1; r >= 0 && k > 0; k--)
                        r = strbuf_puts(b, c < 0x80 && entity[c] ? entity[c] : "?");
                if (r < 0)
                        return r;
                p += n ? n - 1 : 0;
                run = p + 1;
        }
}

/* ---- the page ------------------------------------------------------------- */

/* 'sha256-BASE64' of s, for the policy's hash-source (CSP3 §2.3.1; base64
 * as RFC 4648 §4, with padding). */
static void csp_hash(const char *s, char ret[64]) {
        static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        unsigned char md[33] = {};      /* 32 bytes and a zero: 11 groups of 3 */
        char *o = ret + sprintf(ret, "'sha256-");

        sha256_portable(s, strlen(s), md);
        for (int i = 0; i < 33; i += 3) {
                unsigned v = (unsigned) md[i] << 16 | (unsigned) md[i + 1] << 8 | md[i + 2];

                *o++ = b64[v >> 18 & 63];
                *o++ = b64[v >> 12 & 63];
                *o++ = b64[v >> 6 & 63];
                *o++ = i + 2 < 32 ? b64[v & 63] : '=';      /* the last group holds 2 bytes */
        }
        strcpy(o, "'");
}

int report_html_open(struct strbuf *b, const char *title, struct error *err) {
        char style[64], script[64];
        int r;

        csp_hash(page_css, style);
        csp_hash(page_js, script);
        r = strbuf_printf(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                          "style-src %s; script-src %s; base-uri 'none'; form-action 'none'\">\n"
                          "<meta name=\"referrer\" content=\"no-referrer\">\n"
                          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
                          style, script);
        if (r >= 0)
                r = report_html_text(b, title);
        if (r >= 0)
                r = strbuf_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n", page_css);
        return r < 0 ? error_set(err, r, "render HTML") : 0;
}

int report_html_close(struct strbuf *b, struct error *err) {
        int r = strbuf_printf(b, "<script>%s</script>\n</body>\n</html>\n", page_js);

        return r < 0 ? error_set(err, r, "render HTML") : 0;
}

int report_html_th(struct strbuf *b, const char *label, bool num, bool sorted_desc) {
        return strbuf_printf(b, "<th scope=\"col\"%s%s>%s</th>", num ? " data-type=\"num\"" : "",
                             sorted_desc ? " aria-sort=\"descending\"" : "", label);
}

/* ---- advisories ---------------------------------------------------------- */

/* The advisory's page (report_advisory_url(): the ID percent-encoded, one
 * path segment whatever it holds). */
static int advisory_link(struct strbuf *b, const char *id) {
        _cleanup_free_ char *url = NULL;
        int r;

        if ((r = report_advisory_url(id, &url)) < 0)
                return r;
        r = strbuf_printf(b, "<a href=\"%s\" rel=\"noopener noreferrer\">", url);
        if (r >= 0)
                r = report_html_text(b, id);
        return r < 0 ? r : strbuf_puts(b, "</a>");
}

/* ---- the scan ------------------------------------------------------------ */

static int target_header(struct strbuf *b, const struct report_target *t) {
        const struct os_info *os = &t->inv->os;
        int r;

        r = strbuf_puts(b, "<header>\n<h1>");
        if (r >= 0)
                r = report_html_text(b, t->name);
        if (r >= 0)
                r = strbuf_puts(b, "</h1>\n");
        if (r >= 0 && t->digest) {
                r = strbuf_puts(b, "<p class=\"meta\">Image digest <b class=\"mono\">");
                if (r >= 0)
                        r = report_html_text(b, t->digest);
                if (r >= 0)
                        r = strbuf_puts(b, "</b></p>\n");
        }
        if (r >= 0)
                r = strbuf_puts(b, "<p class=\"meta\">OS <b>");
        if (r >= 0)
                r = report_html_text(b, os->pretty_name ? os->pretty_name : os->id ? os->id : "unknown OS");
        if (r >= 0)
                r = strbuf_puts(b, "</b>, ecosystem <b>");
        if (r >= 0)
                r = report_html_text(b, os->ecosystem ? os->ecosystem : "none known");
        return r < 0 ? r : strbuf_printf(b, "</b>, <b>%zu</b> packages</p>\n", t->inv->n_pkgs);
}

/* The DB's revision and the age of its data: every report says what it
 * was matched against. */
static int db_line(struct strbuf *b, const struct scan_result *res) {
        long long age = report_db_age_hours(res->db_time);
        int r;

        r = strbuf_puts(b, "<p class=\"meta\">Database revision <b class=\"mono\">");
        if (r >= 0)
                r = report_html_text(b, res->db_revision ? res->db_revision : "unknown");
        if (r >= 0)
                r = strbuf_puts(b, "</b>");
        if (r >= 0 && res->db_time) {
                r = strbuf_puts(b, ", data of <b>");
                if (r >= 0)
                        r = report_html_text(b, res->db_time);
                if (r >= 0)
                        r = strbuf_puts(b, "</b>");
                if (r >= 0 && age >= 0)
                        r = strbuf_printf(b, " (<b id=\"db-age\">%lld</b> hour%s old)", age, age == 1 ? "" : "s");
        }
        if (r >= 0 && !res->db_time)
                r = strbuf_puts(b, ", data time unknown");
        return r < 0 ? r : strbuf_puts(b, "</p>\n</header>\n");
}

/* What could not be checked, first and in red: a clean table below it
 * does not mean a clean image. */
static int unchecked_section(struct strbuf *b, const struct scan_result *res) {
        int r;

        if (res->n_unchecked == 0 && res->unchecked_more == 0 && res->packages_unchecked == 0)
                return strbuf_puts(b, "<p class=\"ok\" id=\"all-checked\">Every package found was checked.</p>\n");
        r = strbuf_printf(b, "<section class=\"unchecked\" id=\"unchecked\" role=\"alert\">\n"
                          "<h2>Not checked: %zu package%s</h2>\n<ul>\n", res->packages_unchecked,
                          res->packages_unchecked == 1 ? "" : "s");
        for (size_t i = 0; r >= 0 && i < res->n_unchecked; i++) {
                const struct unchecked *u = &res->unchecked[i];

                r = strbuf_puts(b, "<li><b>");
                if (r >= 0)
                        r = report_html_text(b, u->subject);
                if (r >= 0)
                        r = strbuf_printf(b, "</b> (%s, %zu package%s): ", unchecked_kind_to_string(u->kind),
                                          u->packages, u->packages == 1 ? "" : "s");
                if (r >= 0)
                        r = report_html_text(b, u->reason);
                if (r >= 0)
                        r = strbuf_puts(b, "</li>\n");
        }
        if (r >= 0 && res->unchecked_more)
                r = strbuf_printf(b, "<li>%zu more items (see <span class=\"mono\">--format json</span>)</li>\n",
                                  res->unchecked_more);
        return r < 0 ? r : strbuf_puts(b, "</ul>\n</section>\n");
}

static int list_items(struct strbuf *b, char *const *w) {
        int r = 0;

        for (; r >= 0 && w && *w; w++) {
                r = strbuf_puts(b, "<li>");
                if (r >= 0)
                        r = report_html_text(b, *w);
                if (r >= 0)
                        r = strbuf_puts(b, "</li>\n");
        }
        return r;
}

static int warnings_section(struct strbuf *b, char *const *w1, char *const *w2) {
        int r;

        if (!(w1 && *w1) && !(w2 && *w2))
                return 0;
        r = strbuf_puts(b, "<section class=\"warnings\">\n<h2>Warnings</h2>\n<ul>\n");
        if (r >= 0)
                r = list_items(b, w1);
        if (r >= 0)
                r = list_items(b, w2);
        return r < 0 ? r : strbuf_puts(b, "</ul>\n</section>\n");
}

/* Harbor's bar: one segment per severity, as wide as its share, worst
 * first; an SVG, so that widths need no style attribute (the policy
 * allows none). */
static int summary_bar(struct strbuf *b, const size_t counts[_SEVERITY_MAX], size_t total) {
        double x = 0;
        int r;

        r = strbuf_puts(b, "<svg class=\"bar\" id=\"bar\" viewBox=\"0 0 1000 22\" preserveAspectRatio=\"none\" "
                        "role=\"img\" aria-label=\"findings per severity\">");
        if (r >= 0 && total == 0)
                r = strbuf_puts(b, "<rect class=\"empty\" width=\"1000\" height=\"22\"/>");
        for (int s = _SEVERITY_MAX - 1; r >= 0 && total > 0 && s >= 0; s--) {
                double w = 1000.0 * (double) counts[s] / (double) total;

                if (counts[s] == 0)
                        continue;
                r = strbuf_printf(b, "<rect class=\"s-%s\" data-severity=\"%s\" x=\"%.2f\" width=\"%.2f\" "
                                  "height=\"22\"><title>%s: %zu</title></rect>", severity_to_string(s),
                                  severity_to_string(s), x, w, severity_to_string(s), counts[s]);
                x += w;
        }
        return r < 0 ? r : strbuf_puts(b, "</svg>\n");
}

static int summary_section(struct strbuf *b, const struct scan_result *res) {
        size_t fixable[_SEVERITY_MAX] = {}, total = 0;
        int r;

        for (size_t i = 0; i < res->n_findings; i++)
                if (!res->findings[i].vex_status && res->findings[i].fixed_version)
                        fixable[res->findings[i].severity]++;
        for (int s = 0; s < _SEVERITY_MAX; s++)
                total += res->counts[s];
        r = strbuf_printf(b, "<section id=\"summary\">\n<p class=\"totals\"><b id=\"total\">%zu</b> finding%s, "
                          "<b id=\"fixable\">%zu</b> fixable", total, total == 1 ? "" : "s", res->fixable);
        if (r >= 0 && res->suppressed)
                r = strbuf_printf(b, ", <b id=\"suppressed\">%zu</b> suppressed by VEX", res->suppressed);
        if (r >= 0)
                r = strbuf_puts(b, "</p>\n");
        if (r >= 0)
                r = summary_bar(b, res->counts, total);
        if (r >= 0)
                r = strbuf_puts(b, "<div class=\"legend\">");
        for (int s = _SEVERITY_MAX - 1; r >= 0 && s >= 0; s--)
                r = strbuf_printf(b, "<span id=\"count-%s\"><span class=\"chip s-%s\"></span>%s <b>%zu</b> "
                                  "(%zu fixable)</span>", severity_to_string(s), severity_to_string(s),
                                  severity_to_string(s), res->counts[s], fixable[s]);
        return r < 0 ? r : strbuf_puts(b, "</div>\n</section>\n");
}

static bool any_epss(const struct scan_result *res) {
        for (size_t i = 0; i < res->n_findings; i++)
                if (res->findings[i].epss >= 0)
                        return true;
        return false;
}

static int filters(struct strbuf *b, const struct scan_result *res) {
        int r = strbuf_puts(b, "<div class=\"filters\">\n<fieldset><legend>Severity</legend>");

        for (int s = _SEVERITY_MAX - 1; r >= 0 && s >= 0; s--)
                r = strbuf_printf(b, "<label><input type=\"checkbox\" class=\"f-cat\" id=\"f-sev-%s\" value=\"%s\" "
                                  "checked> %s</label>", severity_to_string(s), severity_to_string(s),
                                  severity_to_string(s));
        if (r >= 0)
                r = strbuf_puts(b, "</fieldset>\n<label>Package <input type=\"search\" id=\"f-q\" "
                                "placeholder=\"name contains\"></label>\n<label>Fix <select id=\"f-fix\">"
                                "<option value=\"\">any</option><option value=\"fixed\">fixed</option>"
                                "<option value=\"unfixed\">no fix</option></select></label>\n"
                                "<label><input type=\"checkbox\" id=\"f-kev\"> known exploited (KEV) only</label>\n");
        if (r >= 0 && res->suppressed)
                r = strbuf_puts(b, "<label><input type=\"checkbox\" id=\"f-vex\" checked> suppressed by VEX</label>\n");
        return r < 0 ? r : strbuf_puts(b, "<span id=\"shown\"></span>\n</div>\n");
}

static int findings_head(struct strbuf *b, bool epss) {
        int r = strbuf_puts(b, "<table id=\"rows\" class=\"sortable\">\n<thead><tr>");

        if (r >= 0 && (r = report_html_th(b, "Severity", true, true)) >= 0 &&
            (r = report_html_th(b, "Advisory", false, false)) >= 0 &&
            (r = report_html_th(b, "Package", false, false)) >= 0 &&
            (r = report_html_th(b, "Installed", false, false)) >= 0 &&
            (r = report_html_th(b, "Fixed in", false, false)) >= 0 &&
            (r = report_html_th(b, "CVSS", true, false)) >= 0 &&
            (r = report_html_th(b, "KEV", true, false)) >= 0 &&
            (!epss || (r = report_html_th(b, "EPSS", true, false)) >= 0))
                r = report_html_th(b, "Title", false, false);
        return r < 0 ? r : strbuf_puts(b, "</tr></thead>\n<tbody>\n");
}

/* <td>TEXT</td>, escaped; "-" for none */
static int cell(struct strbuf *b, const char *cls, const char *s) {
        int r = strbuf_printf(b, "<td%s%s%s>", cls ? " class=\"" : "", strempty(cls), cls ? "\"" : "");

        if (r >= 0)
                r = report_html_text(b, s ? s : "-");
        return r < 0 ? r : strbuf_puts(b, "</td>");
}

static int finding_row_open(struct strbuf *b, const struct finding *f) {
        int r = strbuf_printf(b, "<tr%s data-cat=\"%s\" data-fix=\"%d\" data-kev=\"%d\" data-vex=\"%d\" data-q=\"",
                              f->vex_status ? " class=\"vex\"" : "", severity_to_string(f->severity),
                              !!f->fixed_version, f->kev, !!f->vex_status);

        /* the package box finds a package by its name or its source's */
        if (r >= 0)
                r = report_html_text(b, f->package);
        if (r >= 0 && f->source_name) {
                r = strbuf_puts(b, " ");
                if (r >= 0)
                        r = report_html_text(b, f->source_name);
        }
        return r < 0 ? r : strbuf_puts(b, "\">");
}

static int severity_td(struct strbuf *b, const struct finding *f) {
        int r = strbuf_printf(b, "<td data-k=\"%d\"><span class=\"sev s-%s\">%s</span>", (int) f->severity,
                              severity_to_string(f->severity), severity_to_string(f->severity));

        if (r >= 0 && f->severity_source) {
                r = strbuf_puts(b, " <span class=\"path\">");
                if (r >= 0)
                        r = report_html_text(b, f->severity_source);
                if (r >= 0)
                        r = strbuf_puts(b, "</span>");
        }
        return r < 0 ? r : strbuf_puts(b, "</td>");
}

static int advisory_td(struct strbuf *b, const struct finding *f) {
        int r = strbuf_puts(b, "<td data-k=\"");

        if (r >= 0)
                r = report_html_text(b, f->id);
        if (r >= 0)
                r = strbuf_puts(b, "\">");
        if (r >= 0)
                r = advisory_link(b, f->id);
        for (char **a = f->aliases; r >= 0 && a && *a; a++) {
                r = strbuf_puts(b, "<span class=\"aliases\">");
                if (r >= 0)
                        r = advisory_link(b, *a);
                if (r >= 0)
                        r = strbuf_puts(b, "</span>");
        }
        return r < 0 ? r : strbuf_puts(b, "</td>");
}

static int package_td(struct strbuf *b, const struct finding *f) {
        int r = strbuf_puts(b, "<td class=\"wrap\" data-k=\"");

        if (r >= 0)
                r = report_html_text(b, f->package);
        if (r >= 0)
                r = strbuf_puts(b, "\"><span class=\"pkg\">");
        if (r >= 0)
                r = report_html_text(b, f->package);
        if (r >= 0)
                r = strbuf_puts(b, "</span>");
        if (r >= 0 && f->path) {
                r = strbuf_puts(b, "<span class=\"path\"> ");
                if (r >= 0)
                        r = report_html_text(b, f->path);
                if (r >= 0)
                        r = strbuf_puts(b, "</span>");
        }
        return r < 0 ? r : strbuf_puts(b, "</td>");
}

static int scores_td(struct strbuf *b, const struct finding *f, bool epss) {
        int r;

        if (f->cvss_score >= 0)
                r = strbuf_printf(b, "<td class=\"num\" data-k=\"%.1f\">%.1f</td>", f->cvss_score, f->cvss_score);
        else
                r = strbuf_puts(b, "<td class=\"num\" data-k=\"-1\">-</td>");
        if (r >= 0)
                r = f->kev ? strbuf_puts(b, "<td data-k=\"1\"><span class=\"kev\">KEV</span></td>")
                           : strbuf_puts(b, "<td data-k=\"0\"></td>");
        if (r < 0 || !epss)
                return r;
        if (f->epss < 0)
                return strbuf_puts(b, "<td class=\"num\" data-k=\"-1\">-</td>");
        if (f->epss_percentile >= 0)
                return strbuf_printf(b, "<td class=\"num\" data-k=\"%.5f\">%.2f%% <span class=\"path\">(p%.0f)</span></td>",
                                     f->epss, 100 * f->epss, 100 * f->epss_percentile);
        return strbuf_printf(b, "<td class=\"num\" data-k=\"%.5f\">%.2f%%</td>", f->epss, 100 * f->epss);
}

static int title_td(struct strbuf *b, const struct finding *f) {
        int r = strbuf_puts(b, "<td class=\"wrap\">");

        if (r >= 0)
                r = report_html_text(b, f->summary);
        if (r >= 0 && f->vex_status) {
                r = strbuf_puts(b, "<span class=\"vexnote\">suppressed by VEX: ");
                if (r >= 0)
                        r = report_html_text(b, f->vex_status);
                if (r >= 0 && f->vex_justification) {
                        r = strbuf_puts(b, ", ");
                        if (r >= 0)
                                r = report_html_text(b, f->vex_justification);
                }
                if (r >= 0 && f->vex_source) {
                        r = strbuf_puts(b, " (");
                        if (r >= 0)
                                r = report_html_text(b, f->vex_source);
                        if (r >= 0)
                                r = strbuf_puts(b, ")");
                }
                if (r >= 0)
                        r = strbuf_puts(b, "</span>");
        }
        return r < 0 ? r : strbuf_puts(b, "</td>");
}

static int finding_row(struct strbuf *b, const struct finding *f, bool epss) {
        int r;

        if ((r = finding_row_open(b, f)) < 0 || (r = severity_td(b, f)) < 0 || (r = advisory_td(b, f)) < 0 ||
            (r = package_td(b, f)) < 0 || (r = cell(b, "mono", f->installed_version)) < 0 ||
            (r = cell(b, "mono", f->fixed_version)) < 0 || (r = scores_td(b, f, epss)) < 0 ||
            (r = title_td(b, f)) < 0)
                return r;
        return strbuf_puts(b, "</tr>\n");
}

static int findings_section(struct strbuf *b, const struct scan_result *res) {
        bool epss = any_epss(res);
        int r;

        if (res->n_findings == 0)
                return strbuf_puts(b, "<h2>Findings</h2>\n<p id=\"no-findings\">No findings.</p>\n");
        r = strbuf_puts(b, "<h2>Findings</h2>\n");
        if (r >= 0)
                r = filters(b, res);
        if (r >= 0)
                r = findings_head(b, epss);
        for (size_t i = 0; r >= 0 && i < res->n_findings; i++)
                r = finding_row(b, &res->findings[i], epss);
        return r < 0 ? r : strbuf_puts(b, "</tbody>\n</table>\n");
}

static int scan_html(const struct report_target *t, char **ret, struct error *err) {
        _cleanup_free_ char *title = NULL;
        struct strbuf b = {};
        int r;

        if (asprintf(&title, "Portcullis scan: %s", t->name) < 0)
                return error_set(err, ENOMEM, "render HTML");
        r = report_html_open(&b, title, err);
        if (r >= 0 && ((r = target_header(&b, t)) < 0 || (r = db_line(&b, t->res)) < 0 ||
                       (r = unchecked_section(&b, t->res)) < 0 ||
                       (r = warnings_section(&b, t->inv->warnings, t->res->warnings)) < 0 ||
                       (r = summary_section(&b, t->res)) < 0 || (r = findings_section(&b, t->res)) < 0))
                r = error_set(err, r, "render HTML");
        if (r >= 0)
                r = report_html_close(&b, err);
        if (r < 0) {
                strbuf_done(&b);
                return r;
        }
        *ret = strbuf_steal(&b);
        return 0;
}

/* ---- the inventory ------------------------------------------------------- */

static int package_row(struct strbuf *b, const struct package *p) {
        int r = strbuf_puts(b, "<tr data-q=\"");

        if (r >= 0)
                r = report_html_text(b, p->name);
        if (r >= 0 && p->source_name) {
                r = strbuf_puts(b, " ");
                if (r >= 0)
                        r = report_html_text(b, p->source_name);
        }
        if (r >= 0 && (r = strbuf_puts(b, "\">")) >= 0 && (r = cell(b, "wrap pkg", p->name)) >= 0 &&
            (r = cell(b, "mono", p->version)) >= 0 && (r = cell(b, NULL, p->source_name)) >= 0 &&
            (r = cell(b, NULL, p->arch)) >= 0 && (r = cell(b, NULL, p->ecosystem)) >= 0 &&
            (r = cell(b, "wrap mono", p->purl)) >= 0 && (r = cell(b, "wrap path", p->origin_file)) >= 0)
                r = cell(b, NULL, p->guessed_from);
        return r < 0 ? r : strbuf_puts(b, "</tr>\n");
}

static int inventory_body(struct strbuf *b, const struct report_target *t) {
        const char *const heads[] = { "Name", "Version", "Source", "Arch", "Ecosystem", "purl", "File", "Guessed from" };
        int r;

        r = target_header(b, t);
        if (r >= 0)
                r = strbuf_puts(b, "</header>\n");
        if (r >= 0 && t->inv->skipped) {
                r = strbuf_puts(b, "<section class=\"unchecked\" id=\"unchecked\" role=\"alert\">\n"
                                "<h2>Not looked at (a cap was reached)</h2>\n<ul>\n");
                if (r >= 0)
                        r = list_items(b, t->inv->skipped);
                if (r >= 0)
                        r = strbuf_puts(b, "</ul>\n</section>\n");
        }
        if (r >= 0)
                r = warnings_section(b, t->inv->warnings, NULL);
        if (r >= 0)
                r = strbuf_puts(b, "<h2>Packages</h2>\n<div class=\"filters\"><label>Package <input type=\"search\" "
                                "id=\"f-q\" placeholder=\"name contains\"></label> <span id=\"shown\"></span></div>\n"
                                "<table id=\"rows\" class=\"sortable\">\n<thead><tr>");
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(heads); i++)
                r = report_html_th(b, heads[i], false, false);
        if (r >= 0)
                r = strbuf_puts(b, "</tr></thead>\n<tbody>\n");
        for (size_t i = 0; r >= 0 && i < t->inv->n_pkgs; i++)
                r = package_row(b, &t->inv->pkgs[i]);
        return r < 0 ? r : strbuf_puts(b, "</tbody>\n</table>\n");
}

static int inventory_html(const struct report_target *t, char **ret, struct error *err) {
        _cleanup_free_ char *title = NULL;
        struct strbuf b = {};
        int r;

        if (asprintf(&title, "Portcullis inventory: %s", t->name) < 0)
                return error_set(err, ENOMEM, "render HTML");
        r = report_html_open(&b, title, err);
        if (r >= 0 && (r = inventory_body(&b, t)) < 0)
                r = error_set(err, r, "render HTML");
        if (r >= 0)
                r = report_html_close(&b, err);
        if (r < 0) {
                strbuf_done(&b);
                return r;
        }
        *ret = strbuf_steal(&b);
        return 0;
}

const struct report_format report_format_html = {
        .name = "html",
        .scan = scan_html,
        .inventory = inventory_html,
};
