/* Where the shipped data files (configs/: nets, catalogs, scenarios) are found. */
#ifndef PALEO_CONFIG_DIR_H
#define PALEO_CONFIG_DIR_H

/* The configs directory: $PALEOSIM_CONFIG_DIR when set, else the source tree's configs/
 * recorded at build time. Owned by the callee; never NULL. */
const char *paleo_config_dir(void);
/* A newly allocated path below the configs directory, e.g. ("nets", "alex_v2.json"). */
char *paleo_config_path(const char *subdir, const char *file);

#endif
