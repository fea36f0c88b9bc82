/* exam-sim-data.h — realistic exam sessions and candidates for the exam
 * simulator, the tests and the benchmarks: Vietnamese names, valid citizen
 * IDs, classes and contents, small distinct PNG photos made in code. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A grey-scale PNG of @width × @height, a face-like pattern varied by @seed. */
GBytes   *exam_sim_png_new      (guint   width,
                                 guint   height,
                                 guint32 seed);

/* Base64 of exam_sim_png_new (), as the wire carries photos. */
char     *exam_sim_photo_base64 (guint32 seed);

/* The §5.1 body of an approved exam session with @n_candidates, starting
 * today 07:30 +07:00, deterministic for @seed. */
JsonNode *exam_sim_make_session (const char *code,
                                 const char *centre,
                                 guint       n_candidates,
                                 guint32     seed);

G_END_DECLS
