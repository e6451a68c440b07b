#!/usr/bin/env python3
"""Writes docs/accuracy.md: the paleo and refined models against public measurements
(cited per row) and the kernel errors on the DeepBench calibration rows, before (paleo)
and after (refined). Usage: python3 scripts/accuracy.py [build/sim/paleosim] > docs/accuracy.md
Python 3 standard library only; every number comes from running paleosim."""
import csv, io, os, statistics, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "sim", "paleosim")

SOUMITH = "https://github.com/soumith/convnet-benchmarks (README, Titan X Maxwell)"
SOUMITH_R3 = "https://github.com/VittalP/convnet-benchmarks (soumith's README as of Nov 2015, cuDNN R3 fp32)"
JCJ = "https://github.com/jcjohnson/cnn-benchmarks (README, Torch + cuDNN 5.1, CUDA 8.0)"

# (group, net, device, batch, measured forward+backward ms, what was measured, source)
ROWS = [
    ("single-GPU FP32", "alex_v2", "TITAN_X", 128, 81.0, "AlexNet (One Weird Trick), CuDNN[R4]-fp32 (Torch), fwd+bwd", SOUMITH),
    ("single-GPU FP32", "alex_v2", "TITAN_X", 128, 81.0, "AlexNet (One Weird Trick), TensorFlow conv2d, fwd+bwd", SOUMITH),
    ("single-GPU FP32", "overfeat", "TITAN_X", 128, 326.0, "Overfeat [fast], CuDNN[R3]-fp32 (Torch), fwd+bwd", SOUMITH_R3),
    ("single-GPU FP32", "vgg16", "TITAN_X_PASCAL", 16, 128.62, "VGG-16, Pascal Titan X, cuDNN 5.1, fwd+bwd", JCJ),
    ("single-GPU FP32", "resnet50", "TITAN_X_PASCAL", 16, 103.58, "ResNet-50, Pascal Titan X, cuDNN 5.1, fwd+bwd", JCJ),
]


def run(args):
    return subprocess.run([BIN] + args, check=True, capture_output=True, text=True).stdout


def fwd_bwd_ms(net, device, batch, model):
    out = run(["predict", net, "--device", device, "--batch", str(batch), "--model", model, "--format", "csv"])
    for row in csv.DictReader(io.StringIO(out)):
        if row["layer"] == "(total)":
            return float(row["fwd_ms"]) + float(row["bwd_ms"])
    raise SystemExit("no total row for %s" % net)


def pct(x):
    return "%+.0f %%" % (100 * x)


def end_to_end():
    print("## Single-GPU training speed against published measurements\n")
    print("Forward + backward time of one mini-batch (the sources time exactly that: no update,")
    print("no data loading). `paleo` at PPP 1 (PALEO's own default), `refined` with the shipped")
    print("constants. Error = predicted / measured - 1.\n")
    print("| net | device | batch | measured ms | paleo ms | paleo error | refined ms | refined error | measurement | source |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    groups = {}
    for group, net, device, batch, ms, what, src in ROWS:
        p = fwd_bwd_ms(net, device, batch, "paleo")
        r = fwd_bwd_ms(net, device, batch, "refined")
        groups.setdefault(group, []).append((abs(p / ms - 1), abs(r / ms - 1)))
        print("| %s | %s | %d | %.1f | %.1f | %s | %.1f | %s | %s | %s |" % (
            net, device, batch, ms, p, pct(p / ms - 1), r, pct(r / ms - 1), what, src))
    print()
    for g, errs in groups.items():
        print("Median absolute error, %s (%d rows): paleo %.0f %%, refined %.0f %%.\n" % (
            g, len(errs), 100 * statistics.median(e[0] for e in errs), 100 * statistics.median(e[1] for e in errs)))


def calibration():
    cal = os.path.join(ROOT, "configs", "calibration")
    files = sorted(os.path.join(cal, f) for f in os.listdir(cal) if f.endswith(".csv"))
    with tempfile.TemporaryDirectory() as tmp:
        out = run(["calibrate"] + files + ["-o", os.path.join(tmp, "refit.ini")])
    print("## Kernel errors on the DeepBench calibration rows\n")
    print("Absolute error |predicted / measured - 1| per device, kind/precision and pass: median and")
    print("90th percentile, before (`paleo`, PPP 1) and after (`refined`). These are the rows the")
    print("constants were fitted on (`paleosim calibrate configs/calibration/*.csv`).\n")
    print("| device | kind | pass | n | paleo median | paleo p90 | refined median | refined p90 |")
    print("|---|---|---|---|---|---|---|---|")
    for line in out.splitlines()[1:]:
        f = line.split()
        if len(f) == 8:
            print("| " + " | ".join(f) + " |")
    print()


def main():
    print("# Accuracy of the cost models\n")
    print("Written by `python3 scripts/accuracy.py > docs/accuracy.md` from the built paleosim;")
    print("do not edit by hand. No GPU was available to this project: every measurement below")
    print("is a published one, cited per row.\n")
    end_to_end()
    calibration()
    print("## Held-out GPUs\n")
    print("The DeepBench rows of the other GPUs (M40, TITAN X Pascal, TITAN Xp, GTX 1080 Ti, V100,")
    print("T4) are not shipped with this project and were not used: the refined model's kernel")
    print("accuracy on them is judged outside the repository. `paleosim kernel FILE.csv --device D`")
    print("predicts any such file (device aliases: m40, titanx_pascal, titanxp, gtx1080ti, v100, t4).")


main()
