/* export_files.h - the files an export makes (one per Terraform file, one
 * script, one spec file): built by the renderings, written as one stream or
 * into a directory.
 */
#ifndef ELCUI_CORE_EXPORT_FILES_H
#define ELCUI_CORE_EXPORT_FILES_H

#include <stdbool.h>
#include <stddef.h>

struct export_file {
    char *name; /* "provider.tf", "create-stack.sh", "app-4.ini" */
    char *text;
    bool executable;
};

struct export_files {
    struct export_file *items;
    size_t n;
};
void export_files_free(struct export_files *f);
/* Add a file (text owned from now on) to f: for the renderings. */
void export_files_add(struct export_files *f, const char *name, char *text, bool exec);

/* One stream: every file after a marker line "# ==== FILE ====" (the
 * spec and CLI formats, being one file, are written without a marker).
 * Caller frees. */
char *export_files_stream(const struct export_files *f);
/* Write each file into dir (created when missing; existing files are
 * replaced, scripts made executable). 0, or -1 with err. */
int export_files_write(const struct export_files *f, const char *dir, char *err, size_t errlen);
/* dir/name with one slash between, whatever dir ends with ("tf/" and
 * "tf" give "tf/provider.tf"; "/" gives "/provider.tf"). Caller frees. */
char *export_files_path(const char *dir, const char *name);

#endif
