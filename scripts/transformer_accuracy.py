#!/usr/bin/env python3
"""Writes docs/transformer-accuracy.md: paleosim's transformer training predictions (refined
model, analytical fidelity) against published measurements of Megatron-style and FSDP
training, each row's configuration as its source states it:
- Narayanan et al., SC21, Table 1 (weak scaling, 1.7B to 1T, the configurations of
  NVIDIA/Megatron-LM examples/sc21/run_table_1.sh) and Table 2 (175B and 530B: tensor plus
  pipeline parallelism against ZeRO-3 at the same scale), TFLOP/s per GPU counting
  recomputation (their eq. 3);
- Korthikanti et al. 2022 (sequence parallelism and selective recomputation), model FLOPs
  utilization as the Megatron-LM README prints it;
- MosaicML llm-foundry's benchmark table (MPT models, PyTorch FSDP on 8 A100 80 GB),
  tokens per second per GPU.
Usage: python3 scripts/transformer_accuracy.py [build/sim/paleosim] > docs/transformer-accuracy.md
Python 3 standard library only; every prediction comes from running paleosim."""
import json, os, statistics, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "sim", "paleosim")
TMP = tempfile.mkdtemp(prefix="paleosim-tfm-accuracy-")

SC21 = ("Narayanan et al., Efficient Large-Scale Language Model Training on GPU Clusters Using Megatron-LM, "
        "SC21 (arXiv:2104.04473)")
SC21_T1 = SC21 + ", Table 1; configurations: github.com/NVIDIA/Megatron-LM examples/sc21/run_table_1.sh"
SC21_T2 = SC21 + ", Table 2; PTD-P configuration: examples/sc21/run_figure_18.sh (TP 8, PP 12, 2 layers per virtual stage)"
KORTH = ("Korthikanti et al., Reducing Activation Recomputation in Large Transformer Models, MLSys 2023 "
         "(arXiv:2205.05198); MFU as github.com/NVIDIA/Megatron-LM README (2022) prints it")
MOSAIC = ("github.com/mosaicml/llm-foundry scripts/train/benchmarking/README.md, A100 80GB table (bf16, FSDP "
          "FULL_SHARD, 8 GPUs); MPT configurations: scripts/train/yamls/pretrain/mpt-*.yaml")

# DGX A100 (Selene): 8 A100 80 GB on NVSwitch, 8 x HDR InfiniBand per node, a fat tree.
DGX_A100 = ("device=A100\ngpus_per_host=8\ntopology=fat-tree\nradix=40\nlink=ib-hdr\nnics_per_host=8\n"
            "intra_host=nvswitch\nintra_host_link=nvlink3\npcie_link=pcie4\nlatency_us=0.6\nintra_host_latency_us=1\n")


def gpt(layers, hidden, heads, flash=False, vocab=51200, seq=2048, dropout=0.1, extra=""):
    spec = "transformer:layers=%d:hidden=%d:heads=%d:vocab=%d:seq=%d:dropout=%g" % (
        layers, hidden, heads, vocab, seq, dropout)
    return spec + (":flash=true" if flash else "") + extra


def scenario(net, gpus, batch, precision, parallelism, overlap=True, optimizer="adam"):
    return ("[workload]\nnet=%s\nbatch=%d\nscaling=strong\ncost_model=refined\nprecision=%s\n"
            "[cluster]\nworkers=%d\n%s"
            "[training]\nfidelity=analytical\niterations=2\noptimizer=%s\noverlap=%s\n"
            "[parallelism]\n%s") % (net, batch, precision, gpus, DGX_A100, optimizer,
                                    "true" if overlap else "false", parallelism)


def run(text, name):
    path = os.path.join(TMP, name + ".ini")
    with open(path, "w") as f:
        f.write(text)
    p = subprocess.run([BIN, "run", path, "--format", "json", "--no-progress", "--allow-oom"],
                       capture_output=True, text=True)
    if p.returncode:
        raise SystemExit("paleosim run %s failed: %s" % (name, p.stderr))
    return json.loads(p.stdout)


def parallel(tp=1, pp=1, mbs=1, v=1, recompute="full", zero=0, sp=False):
    text = "tensor=%d\npipeline=%d\nmicro_batch=%d\nrecompute=%s\nzero=%d\n" % (tp, pp, mbs, recompute, zero)
    if pp > 1:
        text += "stage_split=blocks\nschedule=1f1b\n"
    if v > 1:
        text += "virtual_stages=%d\n" % v
    if sp:
        text += "sequence_parallel=true\n"
    return text


ROWS = []


def add(group, label, config, measured, unit, res, predicted):
    ROWS.append(dict(group=group, label=label, config=config, measured=measured, unit=unit, predicted=predicted,
                     fits=res["memory"]["fits"], mem=res["memory"]["total_gib"]))


# ---------------------------------------------------------------- SC21 Table 1

# size, layers, hidden, heads, TP, PP, MBS, GBS, nodes, layers per virtual stage (0 none), TFLOP/s per GPU
TABLE1 = [
    ("1.7B", 24, 2304, 24, 1, 1, 16, 512, 4, 0, 137),
    ("3.6B", 30, 3072, 32, 2, 1, 16, 512, 8, 0, 138),
    ("7.5B", 36, 4096, 32, 4, 1, 16, 512, 16, 0, 142),
    ("18.4B", 40, 6144, 48, 8, 1, 8, 1024, 32, 0, 135),
    ("39.1B", 48, 8192, 64, 8, 2, 4, 1536, 64, 0, 138),
    ("76.1B", 60, 10240, 80, 8, 4, 2, 1792, 128, 5, 140),
    ("145.6B", 80, 12288, 96, 8, 8, 2, 2304, 192, 5, 148),
    ("310.1B", 96, 16384, 128, 8, 16, 1, 2160, 240, 3, 155),
    ("529.6B", 105, 20480, 128, 8, 35, 1, 2520, 315, 1, 163),
    ("1008.0B", 128, 25600, 160, 8, 64, 1, 3072, 384, 0, 163),
]


def table1():
    for size, l, h, a, tp, pp, mbs, gbs, nodes, lpv, tflops in TABLE1:
        v = l // lpv // pp if lpv else 1
        gpus = nodes * 8
        res = run(scenario(gpt(l, h, a), gpus, gbs, "fp16", parallel(tp, pp, mbs, v), overlap=pp == 1),
                  "t1_" + size)
        cfg = "TP %d PP %d%s DP %d, mb %d, GBS %d, %d GPUs, full recompute, fp16" % (
            tp, pp, " v %d" % v if v > 1 else "", gpus // (tp * pp), mbs, gbs, gpus)
        add("SC21 Table 1", "GPT " + size, cfg, tflops, "TFLOP/s/GPU", res, res["tflops_per_device"])


# ---------------------------------------------------------------- SC21 Table 2

def table2():
    m175, m530 = (96, 12288, 96), (105, 20480, 128)
    for model, (l, h, a), pp, v, gbs, rows in [
            ("175B", m175, 12, 4, 1536, [(384, 153), (768, 149), (1536, 141)]),
            ("530B", m530, 35, 3, 2240, [(560, 171), (1120, 167), (2240, 159)])]:
        for gpus, tflops in rows:
            res = run(scenario(gpt(l, h, a), gpus, gbs, "fp16", parallel(8, pp, 1, v), overlap=False),
                      "t2_ptdp_%s_%d" % (model, gpus))
            cfg = "PTD-P: TP 8 PP %d v %d DP %d, mb 1, GBS %d, full recompute" % (pp, v, gpus // (8 * pp), gbs)
            add("SC21 Table 2 (TP+PP)", "GPT %s on %d GPUs" % (model, gpus), cfg, tflops, "TFLOP/s/GPU", res,
                res["tflops_per_device"])
    for model, (l, h, a), rows in [
            ("175B", m175, [(384, 4, 1536, 144), (768, 2, 1536, 88), (1536, 1, 1536, 44)]),
            ("530B", m530, [(640, 4, 2560, 138), (1120, 2, 2240, 98), (2240, 1, 2240, 48)])]:
        for gpus, mbs, gbs, tflops in rows:
            res = run(scenario(gpt(l, h, a), gpus, gbs, "fp16", parallel(1, 1, mbs, 1, zero=3)),
                      "t2_zero3_%s_%d" % (model, gpus))
            cfg = "ZeRO-3: DP %d, mb %d, GBS %d, full recompute" % (gpus, mbs, gbs)
            add("SC21 Table 2 (ZeRO-3)", "GPT %s on %d GPUs" % (model, gpus), cfg, tflops, "TFLOP/s/GPU", res,
                res["tflops_per_device"])


# ---------------------------------------------------------------- Korthikanti et al.

# size, layers, hidden, heads, TP, PP, GPUs, GBS, micro-batch, MFU %
KORTHIKANTI = [
    ("22B", 48, 6144, 64, 8, 1, 8, 4, 4, 41.5),
    ("175B", 96, 12288, 96, 8, 8, 64, 64, 1, 51.4),
    ("530B", 105, 20480, 128, 8, 35, 280, 280, 1, 56.0),
    ("1T", 128, 25600, 160, 8, 64, 512, 512, 1, 56.3),
]


def korthikanti():
    for size, l, h, a, tp, pp, gpus, gbs, mbs, mfu in KORTHIKANTI:
        res = run(scenario(gpt(l, h, a), gpus, gbs, "fp16", parallel(tp, pp, mbs, 1, "selective", sp=True),
                           overlap=False), "k_" + size)
        cfg = "TP %d PP %d DP 1, mb %d, GBS %d, sequence parallel, selective recompute" % (tp, pp, mbs, gbs)
        add("Korthikanti (SP + selective)", "GPT " + size, cfg, mfu, "MFU %", res, 100 * res["mfu"])


# ---------------------------------------------------------------- MosaicML (FSDP)

# model, layers, d_model, heads, seq, micro-batch, grad accumulation, checkpointing, tokens/s/GPU
MOSAIC_ROWS = [
    ("MPT-1B", 24, 2048, 16, 2048, 14, 4, False, 20513),
    ("MPT-3B", 32, 2560, 20, 2048, 10, 2, False, 10811),
    ("MPT-7B", 32, 4096, 32, 2048, 6, 2, False, 4641),
    ("MPT-13B", 40, 5120, 40, 2048, 2, 3, False, 2262),
    ("MPT-30B", 48, 7168, 56, 2048, 3, 21, True, 916),
    ("MPT-7B (seq 4096)", 32, 4096, 32, 4096, 16, 2, True, 3684),
]


def mosaic():
    for name, l, h, a, seq, mbs, ga, ckpt, tps in MOSAIC_ROWS:
        net = gpt(l, h, a, flash=True, vocab=50368, seq=seq, dropout=0, extra=":bias=false:positions=0")
        gbs = 8 * mbs * ga
        res = run(scenario(net, 8, gbs, "bf16", parallel(1, 1, mbs, 1, "full" if ckpt else "none", zero=3)),
                  "mosaic_" + name.replace(" ", "_").replace("(", "").replace(")", ""))
        cfg = "FSDP full shard, 8 GPUs, mb %d x %d accumulation, seq %d%s, flash attention, bf16" % (
            mbs, ga, seq, ", activation checkpointing" if ckpt else "")
        add("MosaicML FSDP (A100 80GB)", name, cfg, tps, "tokens/s/GPU", res, res["tokens_per_s"] / 8)


# ---------------------------------------------------------------- report

def fmt_err(e):
    return "%+.1f %%" % (100 * e)


def main():
    table1()
    table2()
    korthikanti()
    mosaic()
    out = sys.stdout
    out.write("# Transformer training: paleosim against published measurements\n\n")
    out.write("Written by `python3 scripts/transformer_accuracy.py > docs/transformer-accuracy.md` (every prediction "
              "is a `paleosim run` of the configuration the source gives: refined cost model, analytical fidelity, "
              "the catalog's A100 80 GB in DGX A100 nodes: NVSwitch, 8 x HDR InfiniBand). Nothing was fitted to these "
              "rows: the kernel constants come from DeepBench (docs/accuracy.md), FlashAttention's efficiencies and "
              "the collective efficiency are documented defaults (`paleosim list profile`). TFLOP/s per GPU count "
              "the recomputed forward as NVIDIA does (Narayanan et al. eq. 3, `tflops_per_device`); MFU counts "
              "model FLOPs only (`mfu`). `fits` is paleosim's memory model on the published configuration "
              "(each ran, so each should fit).\n\n")
    groups = []
    for r in ROWS:
        if r["group"] not in groups:
            groups.append(r["group"])
    out.write("| source | run | configuration | measured | paleosim | error | fits (GiB) |\n")
    out.write("|---|---|---|---|---|---|---|\n")
    for r in ROWS:
        err = r["predicted"] / r["measured"] - 1
        out.write("| %s | %s | %s | %g %s | %.1f | %s | %s (%.1f) |\n" % (
            r["group"], r["label"], r["config"], r["measured"], r["unit"], r["predicted"], fmt_err(err),
            "yes" if r["fits"] else "no", r["mem"]))
    out.write("\n## Median absolute error\n\n| group | rows | median | worst |\n|---|---|---|---|\n")
    every = []
    for g in groups:
        errs = [abs(r["predicted"] / r["measured"] - 1) for r in ROWS if r["group"] == g]
        every += errs
        out.write("| %s | %d | %.1f %% | %.1f %% |\n" % (g, len(errs), 100 * statistics.median(errs),
                                                          100 * max(errs)))
    out.write("| **all** | %d | **%.1f %%** | %.1f %% |\n\n" % (len(every), 100 * statistics.median(every),
                                                               100 * max(every)))
    zero3 = {r["label"]: r for r in ROWS if r["group"].endswith("(ZeRO-3)")}
    ptdp = {r["label"]: r for r in ROWS if r["group"].endswith("(TP+PP)")}
    out.write("## ZeRO-3 against tensor plus pipeline parallelism\n\n"
              "SC21's Table 2 compares the two at the same scale; the ratio is what a planner decides on:\n\n"
              "| model | GPUs | measured PTD-P / ZeRO-3 | paleosim |\n|---|---|---|---|\n")
    for model, pairs in [("175B", [(384, 384), (768, 768), (1536, 1536)]),
                         ("530B", [(560, 640), (1120, 1120), (2240, 2240)])]:
        for p_gpus, z_gpus in pairs:
            p = ptdp.get("GPT %s on %d GPUs" % (model, p_gpus))
            z = zero3.get("GPT %s on %d GPUs" % (model, z_gpus))
            out.write("| %s | %d / %d | %.2f | %.2f |\n" % (model, p_gpus, z_gpus, p["measured"] / z["measured"],
                                                            p["predicted"] / z["predicted"]))
    out.write("\nWhere the model misses: SC21's ZeRO-3 rows (DeepSpeed, 2021) are communication-bound from 768 GPUs on: "
              "their measured steps (66.7 s for 175B on 768 and 1536 GPUs, 180-184 s for 530B on 1120 and 2240) "
              "imply 3.4 to 3.8 times the fp16 parameter volume per GPU and step at 80 % of HDR's 25 GB/s, where "
              "paleosim's ZeRO-3 moves 3 (an all-gather before each block's forward, one before its backward, a "
              "reduce-scatter after it, as PyTorch FSDP does): DeepSpeed's ZeRO-3 of the time gathered parameters "
              "module by module and again for the recomputed forward, or reached less bandwidth. paleosim predicts "
              "the FSDP implementation it models (MosaicML's FSDP rows, also ZeRO-3, are within 9 %), so it is "
              "optimistic for those six rows; the ordering (tensor plus pipeline parallelism ahead, by more as the "
              "GPUs grow) is right. Korthikanti et al.'s 2022 runs are 5-13 % faster than the same models in "
              "SC21 (their full-recomputation baselines too): newer kernels that the refined model, fitted on "
              "DeepBench, does not know.\n")
    out.write("\n## Sources\n\n")
    for s in [SC21_T1, SC21_T2, KORTH, MOSAIC]:
        out.write("- %s\n" % s)
    out.write("\nAssumptions where a source is silent: Megatron's default dropout 0.1 (hidden and attention) and "
              "vocabulary 51200; SC21's PP > 1 runs use Megatron's local DDP (one all-reduce after the step, "
              "`--DDP-impl local` in the scripts), its PP = 1 runs PyTorch DDP (overlapped); Table 2's PTD-P 530B "
              "interleaves 1 layer per virtual stage as Table 1's 530B run; ZeRO-3 (DeepSpeed) recomputes fully, "
              "gathers every block before its forward and its backward and reduce-scatters its gradients, in fp16 "
              "without tensor parallelism; Korthikanti's runs use no interleaving and micro-batch 1 (the 22B one "
              "micro-batch of 4); MPT is the generator's GPT with LayerNorm, GELU, no biases, ALiBi (no position "
              "table), tied embeddings and FlashAttention.\n")


if __name__ == "__main__":
    main()
