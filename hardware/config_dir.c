/* Locates the shipped configs directory. */
#include "hardware/config_dir.h"

#include <glib.h>

#include "paleo_config.h"

const char *paleo_config_dir(void)
{
  const char *env = g_getenv("PALEOSIM_CONFIG_DIR");
  return (env && *env) ? env : PALEO_SOURCE_CONFIG_DIR;
}

char *paleo_config_path(const char *subdir, const char *file)
{
  return g_build_filename(paleo_config_dir(), subdir, file, NULL);
}
