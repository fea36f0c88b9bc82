/* ttsh-roster-line.c — lays cells out at fixed x positions and widths. GtkBox
 * would hand spare room out by each cell's natural width, so a long name or a
 * wide chip would push that row's columns out of line with the header. */
#define G_LOG_DOMAIN "ttsh-console"
#include "config.h"

#include "ttsh-roster-line.h"

struct _TtshRosterLine {
  GtkWidget  parent_instance;
  const int *widths;
  int        n_columns;
  int        spacing;
  int        min_flexible;
};

G_DEFINE_FINAL_TYPE (TtshRosterLine, ttsh_roster_line, GTK_TYPE_WIDGET)

static int
width_of (TtshRosterLine *self,
          int            i,
          int            extra)
{
  return self->widths[i] > 0 ? self->widths[i] : self->min_flexible + MAX (extra, 0);
}

static int
fixed_total (TtshRosterLine *self)
{
  int total = self->spacing * MAX (self->n_columns - 1, 0);

  for (int i = 0; i < self->n_columns; i++)
    total += width_of (self, i, 0);
  return total;
}

static void
ttsh_roster_line_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  TtshRosterLine *self = TTSH_ROSTER_LINE (widget);
  int i = 0;

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = *natural = fixed_total (self);
      return;
    }
  *minimum = *natural = 0;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c), i++)
    {
      int min, nat;
      int w = i < self->n_columns ? width_of (self, i, for_size < 0 ? 0 : for_size - fixed_total (self)) : 0;

      gtk_widget_measure (c, GTK_ORIENTATION_VERTICAL, w, &min, &nat, NULL, NULL);
      *minimum = MAX (*minimum, min);
      *natural = MAX (*natural, nat);
    }
}

static void
ttsh_roster_line_size_allocate (GtkWidget *widget,
                               int        width,
                               int        height,
                               int        baseline)
{
  TtshRosterLine *self = TTSH_ROSTER_LINE (widget);
  int extra = width - fixed_total (self), x = 0, i = 0;

  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c), i++)
    {
      int w = i < self->n_columns ? width_of (self, i, extra) : 0;
      int min;

      /* GTK wants every child measured before it is placed. */
      gtk_widget_measure (c, GTK_ORIENTATION_HORIZONTAL, -1, &min, NULL, NULL, NULL);
      gtk_widget_size_allocate (c, &(GtkAllocation) { x, 0, MAX (w, min), height }, -1);
      x += w + self->spacing;
    }
}

static void
ttsh_roster_line_dispose (GObject *object)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (ttsh_roster_line_parent_class)->dispose (object);
}

static void
ttsh_roster_line_class_init (TtshRosterLineClass *klass)
{
  GTK_WIDGET_CLASS (klass)->measure = ttsh_roster_line_measure;
  GTK_WIDGET_CLASS (klass)->size_allocate = ttsh_roster_line_size_allocate;
  G_OBJECT_CLASS (klass)->dispose = ttsh_roster_line_dispose;
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "rosterline");
}

static void
ttsh_roster_line_init (TtshRosterLine *self)
{
}

GtkWidget *
ttsh_roster_line_new (const int *widths,
                     int        n_columns,
                     int        spacing,
                     int        min_flexible)
{
  TtshRosterLine *self = g_object_new (TTSH_TYPE_ROSTER_LINE, NULL);

  self->widths = widths;
  self->n_columns = n_columns;
  self->spacing = spacing;
  self->min_flexible = min_flexible;
  return GTK_WIDGET (self);
}

void
ttsh_roster_line_append (TtshRosterLine *self,
                        GtkWidget     *cell)
{
  gtk_widget_insert_before (cell, GTK_WIDGET (self), NULL);
}
