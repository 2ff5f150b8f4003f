/* export_tf.h - a stack as Terraform files, in the seed's layout (see
 * export.h for what each file holds).
 */
#ifndef ELCUI_CORE_EXPORT_TF_H
#define ELCUI_CORE_EXPORT_TF_H

#include "core/stack/export_files.h"
#include "core/stack/export_view.h"

/* Add the Terraform files of v to out, laid out as `terraform fmt` writes
 * them. */
void export_tf_render(const struct export_view *v, struct export_files *out);

#endif
