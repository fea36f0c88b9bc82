/* ttsh-clients.h — accounts of the TTSH API (exam programs, C08's push tool). */
#pragma once

#include "ttsh-store.h"

G_BEGIN_DECLS

#define TTSH_ROLE_C08_PUSH          "C08_PUSH"
#define TTSH_ROLE_EXAM_LY_THUYET    "EXAM_LY_THUYET"
#define TTSH_ROLE_EXAM_SA_HINH      "EXAM_SA_HINH"
#define TTSH_ROLE_EXAM_DUONG_TRUONG "EXAM_DUONG_TRUONG"

gboolean ttsh_client_role_is_valid     (const char *role);
/* May a client of @role send records of exam content @content? */
gboolean ttsh_client_role_allows       (const char *role,
                                        const char *content);

gboolean ttsh_clients_add (TtshStore   *store,
                           const char  *name,
                           const char  *role,
                           const char  *password,
                           const char  *actor,
                           GError     **error);

G_END_DECLS
