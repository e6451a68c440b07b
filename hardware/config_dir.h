/* Where the shipped data files (configs/: nets, catalogs, scenarios) are found. */
#ifndef PALEO_CONFIG_DIR_H
#define PALEO_CONFIG_DIR_H

#include <glib.h>

/* The configs directory: $PALEOSIM_CONFIG_DIR when set, else the source tree's configs/
 * recorded at build time. Owned by the callee; never NULL. */
const char *paleo_config_dir(void);
/* A newly allocated path below the configs directory, e.g. ("nets", "alex_v2.json"). */
char *paleo_config_path(const char *subdir, const char *file);

/* The largest input file paleosim reads whole (a net, catalog, topology or scenario). */
#define PALEO_CONFIG_MAX_BYTES (256u << 20)

/* Reads an input file whole (OUT: *text_out, NUL-terminated, g_free; *len_out may be NULL):
 * only a regular file of at most PALEO_CONFIG_MAX_BYTES (a FIFO or /dev/zero would never
 * end). G_FILE_ERROR with the system's reason, or saying what the path is, otherwise. */
gboolean paleo_config_read_file(const char *path, char **text_out, gsize *len_out, GError **error);

#endif
