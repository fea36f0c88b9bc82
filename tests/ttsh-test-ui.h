/* ttsh-test-ui.h — what the console's UI tests share: finding widgets and
 * dialogs, and quieting a GTK warning that Xvfb provokes. */
#pragma once

#include <string.h>
#include <adwaita.h>

/* The first widget of @type at or under @root, depth first. */
static inline GtkWidget *
ttsh_test_find_type (GtkWidget *root,
                     GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = ttsh_test_find_type (c, type);
      if (found)
        return found;
    }
  return NULL;
}

/* A visible message dialog among the toplevels, offering @response (NULL:
 * any). libadwaita 1.2's adw_message_dialog_response() leaves a dialog open,
 * so earlier dialogs may still be around. */
static inline AdwMessageDialog *
ttsh_test_find_message_dialog (const char *response)
{
  GListModel *tops = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (tops, i);
      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)) &&
          (response == NULL || adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (w), response)))
        return ADW_MESSAGE_DIALOG (w);
    }
  return NULL;
}

/* GTK 4.8 warns when a window without a window manager (Xvfb) loses focus
 * while an entry has it; harmless, and not about this code. Install with
 * g_log_set_writer_func (ttsh_test_ui_log_writer, NULL, NULL). */
static inline GLogWriterOutput
ttsh_test_ui_log_writer (GLogLevelFlags   level,
                         const GLogField *fields,
                         gsize            n_fields,
                         gpointer         data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0 &&
        strstr (fields[i].value, "did not receive a focus-out event") != NULL)
      return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, data);
}
