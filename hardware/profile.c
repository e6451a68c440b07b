/* The refined cost model's constants: key table (file format, ranges, documentation) and
 * neutral starting values. */
#include "hardware/profile.h"

#define KEY(name, lo, hi, open, fitted, help) \
  {#name, G_STRUCT_OFFSET(PaleoProfile, name), lo, hi, open, fitted, help}

const PaleoProfileKey paleo_profile_keys[] = {
  KEY(gemm_eff, 0, 1, TRUE, TRUE, "fraction of the SIMT peak a large GEMM tile's main loop reaches"),
  KEY(tensor_eff, 0, 1, TRUE, FALSE,
      "the same on matrix units (tensor cores); default 0.7 after NVIDIA's published cuBLAS "
      "mixed-precision GEMM rates (no calibration row has tensor cores)"),
  KEY(tile_intensity, 0, 1e4, FALSE, TRUE,
      "i0 (elements): a tm x tn tile runs at I/(I+i0) of the large-tile rate, I = tm tn/(tm+tn)"),
  KEY(tile_cycles, 0, 1e7, FALSE, TRUE, "fixed clock cycles per wave of tiles (prologue, epilogue)"),
  KEY(kstep_cycles, 0, 1e6, FALSE, TRUE,
      "least clock cycles per main-loop step (8 deep in k, 32 on matrix units): latency an SM "
      "cannot hide with few tiles"),
  KEY(launch_us, 0, 1e4, FALSE, FALSE,
      "fixed cost per kernel: launch and tail (us); default 5 (CUDA's documented launch latency of "
      "a few microseconds; DeepBench's smallest P100 GEMMs take 11-16 us)"),
  KEY(mem_eff, 0, 1, TRUE, FALSE,
      "fraction of the DRAM bandwidth a streaming (elementwise) kernel reaches; default 0.8 (STREAM-"
      "style copy kernels on NVIDIA GPUs reach 75-90 % of the datasheet bandwidth)"),
  KEY(gemm_mem_eff, 0, 1, TRUE, TRUE, "fraction of the DRAM bandwidth a GEMM's operand streaming reaches"),
  KEY(gemm_ta_eff, 0, 2, TRUE, TRUE,
      "efficiency of a cuBLAS GEMM whose A is transposed (op(A) = A^T, each tile's A read along k) relative "
      "to the plain layout (library kernels differ per layout)"),
  KEY(splitk_depth, 0, 1e4, TRUE, TRUE,
      "cuBLAS splits the reduction (split-K) of a GEMM whose tiles fill less than one wave only when k >= "
      "splitk_depth x max(m, n): small for libraries that split narrow GEMMs, large for those that do not"),
  KEY(atomic_bytes, 4, 1e3, FALSE, TRUE,
      "memory time of one 4-byte atomic add, as bytes streamed (a read-modify-write in the L2 and "
      "its queueing; reductions through atomics, such as backward-data's column algorithm, pay it)"),
  KEY(implicit_eff, 0, 2, TRUE, TRUE, "implicit-GEMM convolution relative to a plain GEMM"),
  KEY(winograd_eff, 0, 2, TRUE, TRUE, "Winograd convolution's GEMMs relative to a plain GEMM"),
  KEY(fft_eff, 0, 2, TRUE, TRUE, "FFT convolution's pointwise products relative to a plain GEMM"),
  KEY(dgrad_eff, 0, 2, TRUE, TRUE, "backward-data convolution relative to forward"),
  KEY(wgrad_eff, 0, 2, TRUE, TRUE, "backward-filter convolution relative to forward"),
  KEY(collective_eff, 0, 1, TRUE, FALSE,
      "achieved bus bandwidth of a collective / link bandwidth; default 0.8 (NCCL's published "
      "bus bandwidths reach 75-90 % of NVLink and InfiniBand line rates; DeepBench's 2016-17 "
      "PCIe servers reached 0.39 of PCIe 3, docs/accuracy.md)"),
  KEY(ps_message_us, 0, 1e6, FALSE, FALSE,
      "software cost per parameter-server message (us), every strategy that uses servers; "
      "default 50 (RPC stacks of the TensorFlow/MXNet parameter-server era)"),
  KEY(flash_eff, 0, 2, TRUE, FALSE,
      "fused (FlashAttention) attention forward relative to a plain GEMM of its products; default 0.85 "
      "(FlashAttention-2 forward reaches about 70 % of the A100's peak where cuBLAS GEMMs reach about "
      "80 %: Dao 2023, Fig. 5)"),
  KEY(flash_bwd_eff, 0, 2, TRUE, FALSE,
      "its backward (five products, the scores recomputed) relative to a plain GEMM; default 0.7 "
      "(FlashAttention-2 backward reaches about 55-60 % of the A100's peak: Dao 2023, Fig. 6)"),
  {NULL, 0, 0, 0, FALSE, FALSE, NULL},
};

void paleo_profile_init(PaleoProfile *p)
{
  *p = (PaleoProfile){
    .gemm_eff = 0.8, .tensor_eff = 0.7, .tile_intensity = 16, .tile_cycles = 2000, .kstep_cycles = 800,
    .launch_us = 5, .mem_eff = 0.8, .gemm_mem_eff = 0.5, .gemm_ta_eff = 1, .splitk_depth = 4, .atomic_bytes = 16, .implicit_eff = 0.9, .winograd_eff = 0.8, .fft_eff = 0.8,
    .dgrad_eff = 1, .wgrad_eff = 1, .collective_eff = 0.8, .ps_message_us = 50, .flash_eff = 0.85,
    .flash_bwd_eff = 0.7,
  };
}
