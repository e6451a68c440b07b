/* The architecture registry (see arch.h). */
#include "hardware/arch.h"

static const PaleoArch archs[] = {
  {"kepler", "NVIDIA Kepler (GK110/GK210: K20, K40, K80), 192 FP32 lanes per SM", "maxwell", NULL, FALSE},
  {"maxwell", "NVIDIA Maxwell (GM200: TITAN X, M40), 128 FP32 lanes per SM", NULL, NULL, FALSE},
  {"pascal", "NVIDIA Pascal GP100 (P100): 64 FP32 lanes per SM, twice the registers per lane", NULL, NULL, FALSE},
  {"gp10x", "NVIDIA Pascal GP102/GP104 (GTX 10x0, TITAN X Pascal, TITAN Xp): Maxwell's 128-lane SM for its "
            "cuDNN kernels, GP100's CUDA 8 cuBLAS for its GEMMs", "maxwell", "pascal", FALSE},
  {"volta", "NVIDIA Volta (GV100: V100), first tensor cores", "pascal", NULL, TRUE},
  {"turing", "NVIDIA Turing (TU104: T4)", "volta", NULL, TRUE},
  {"ampere", "NVIDIA Ampere (GA100: A100)", "turing", NULL, FALSE},
  {"ada", "NVIDIA Ada Lovelace (AD10x: L4, L40S)", "ampere", NULL, FALSE},
  {"hopper", "NVIDIA Hopper (GH100: H100, H200)", "ada", NULL, FALSE},
  {"cdna2", "AMD CDNA 2 (MI250X)", NULL, NULL, FALSE},
  {"cdna3", "AMD CDNA 3 (MI300X)", NULL, NULL, FALSE},
  {"cpu", "a CPU (PALEO's CPU_I7; the refined GPU kernel model is not meant for it)", NULL, NULL, FALSE},
};

const PaleoArch *paleo_arch_find(const char *name)
{
  for (guint i = 0; name && i < G_N_ELEMENTS(archs); i++)
    if (!g_ascii_strcasecmp(name, archs[i].name))
      return &archs[i];
  return NULL;
}

guint paleo_arch_count(void)
{
  return G_N_ELEMENTS(archs);
}

const PaleoArch *paleo_arch_at(guint i)
{
  g_return_val_if_fail(i < G_N_ELEMENTS(archs), NULL);
  return &archs[i];
}

char *paleo_arch_names_text(void)
{
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < G_N_ELEMENTS(archs); i++)
    g_string_append_printf(s, "%s%s", i ? "|" : "", archs[i].name);
  return g_string_free(s, FALSE);
}
