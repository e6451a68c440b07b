/* Net generators: a transformer language model (GPT, BERT, Llama families) written as a
 * PALEO-style JSON net of the transformer layer types (workloads/net_tfm.c), and the
 * named presets shipped under configs/nets/.
 *
 * A pre-norm layer i (GPT, Llama) is
 *   layer{i}/ln1 -> qkv (column) -> attention -> proj (row) -> residual1 (+ the layer's input)
 *   -> ln2 -> fc1 (column) -> act -> fc2 (row) -> residual2 (+ residual1);
 * a post-norm one (BERT) puts ln1 after residual1 and ln2 after residual2. The net is
 * data (token ids [B, S]) -> embed -> layers -> final_norm (pre-norm) -> logits -> loss; the
 * logits reuse the embedding table when `tied`. BERT adds the masked-LM head's dense, GELU
 * and norm before the logits; its pooler and next-sentence head are not generated. */
#ifndef PALEO_NET_GEN_H
#define PALEO_NET_GEN_H

#include <glib.h>
#include <stdint.h>

#include "workloads/net.h"

typedef struct {
  char *name;              /* the JSON "name" (owned) */
  int64_t layers;          /* L */
  int64_t hidden;          /* H */
  int64_t heads;           /* A */
  int64_t kv_heads;        /* G (grouped-query attention); 0 = A */
  int64_t ffn;             /* F; 0 = 4 H */
  int64_t seq;             /* S */
  int64_t vocab;           /* V */
  int64_t batch;           /* the Input's batch */
  gboolean rmsnorm;        /* RMSNorm instead of LayerNorm */
  gboolean swiglu;         /* SwiGLU (fc1 of 2F outputs) instead of GELU */
  gboolean causal;         /* decoder (causal) attention; FALSE: BERT's bidirectional */
  gboolean post_norm;      /* BERT's post-norm layers (and its masked-LM head) */
  gboolean tied;           /* logits reuse the embedding table */
  gboolean bias;           /* linear layers have biases */
  int64_t positions;       /* learned position rows; 0 = none (rotary) */
  gboolean flash;          /* Attention fused = flash */
  double dropout;          /* hidden and attention dropout */
} PaleoTransformerSpec;

/* GPT-2/3 defaults: F = 4 H, V = 51200, S = 2048, LayerNorm, GELU, causal, tied, biases,
 * learned positions (S rows), no dropout, batch 8; sizes 0 (to be set). */
void paleo_transformer_spec_init(PaleoTransformerSpec *spec);
void paleo_transformer_spec_clear(PaleoTransformerSpec *spec);

/* Sets one generator option by its CLI / spec name: layers, hidden, heads, kv-heads, ffn,
 * seq, vocab, batch, positions (integers), norm (layernorm|rmsnorm), act (gelu|swiglu),
 * attention (causal|bidirectional), flash (true|false), tied (true|false), bias
 * (true|false), dropout (a number in [0, 1)), name. PALEO_CONFIG_ERROR_INVALID naming the
 * option otherwise. */
gboolean paleo_transformer_spec_set(PaleoTransformerSpec *spec, const char *key, const char *value, GError **error);
/* Checks the sizes: every size positive, heads divide hidden, kv-heads divide heads. */
gboolean paleo_transformer_spec_validate(const PaleoTransformerSpec *spec, GError **error);

/* The net as JSON text (owned), keys in layer order. */
char *paleo_transformer_json(const PaleoTransformerSpec *spec);

/* The shipped presets: "gpt2", "gpt2-xl", "gpt3-1.3b", "gpt3-175b", "bert-base",
 * "bert-large", "llama2-7b", "llama2-70b", "llama3-8b". FALSE when unknown. */
gboolean paleo_transformer_preset(const char *name, PaleoTransformerSpec *spec);
/* NULL-terminated list of the preset names (static). */
const char *const *paleo_transformer_preset_names(void);

/* A generator spec "transformer:key=value,key=value,..." (keys as paleo_transformer_spec_set,
 * or preset=NAME first): TRUE when `text` is one (the prefix), then parses it into spec. */
gboolean paleo_transformer_spec_is(const char *text);
gboolean paleo_transformer_spec_parse(const char *text, PaleoTransformerSpec *spec, GError **error);
/* Loads the net a generator spec describes (origin = the spec text). */
PaleoNet *paleo_transformer_load(const char *text, int64_t batch, GError **error);

#endif
