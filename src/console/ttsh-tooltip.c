/* ttsh-tooltip.c — tooltips for widgets that are rebound often.
 *
 * In GTK 4.8 gtk_widget_set_tooltip_text() re-queries the tooltip at once,
 * which asks the display where the pointer is: on X11 a synchronous round
 * trip per call. Rebinding the visible rows of a list after a keystroke, or
 * fifty map markers every second, paid that once per cell. Here the text is
 * kept on the widget and handed over only when GTK asks for a tooltip; the
 * accessible description, which GTK would derive from the tooltip, is set
 * directly. */
#include "config.h"

#include "ttsh-tooltip.h"

#define TOOLTIP_KEY "ttsh-quiet-tooltip"

static gboolean
query_tooltip (GtkWidget  *widget,
               int         x,
               int         y,
               gboolean    keyboard,
               GtkTooltip *tooltip,
               gpointer    data)
{
  const char *text = g_object_get_data (G_OBJECT (widget), TOOLTIP_KEY);

  if (text == NULL || *text == '\0')
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

void
ttsh_widget_set_quiet_tooltip (GtkWidget  *widget,
                               const char *text)
{
  const char *old = g_object_get_data (G_OBJECT (widget), TOOLTIP_KEY);

  g_return_if_fail (GTK_IS_WIDGET (widget));

  if (text != NULL && *text == '\0')
    text = NULL;
  if (g_strcmp0 (old, text) == 0)
    return;
  if (!g_object_get_data (G_OBJECT (widget), TOOLTIP_KEY "-connected"))
    {
      g_signal_connect (widget, "query-tooltip", G_CALLBACK (query_tooltip), NULL);
      g_object_set_data (G_OBJECT (widget), TOOLTIP_KEY "-connected", GINT_TO_POINTER (1));
    }
  g_object_set_data_full (G_OBJECT (widget), TOOLTIP_KEY, g_strdup (text), g_free);
  gtk_widget_set_has_tooltip (widget, text != NULL);
  if (text != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
}
