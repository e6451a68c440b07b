/* The registry of training strategies and the trainer functions every strategy shares. */
#include "workloads/train.h"

#include <string.h>

#include "workloads/train_int.h"

const PaleoStrategy paleo_strategies[] = {
  {"sync", "synchronous data parallel: forward, backward with bucketed gradient all-reduce, update",
   paleo_train_sync_new},
  {NULL, NULL, NULL},
};

const PaleoStrategy *paleo_strategy_find(const char *name)
{
  for (const PaleoStrategy *s = paleo_strategies; s->name; s++)
    if (!g_ascii_strcasecmp(s->name, name))
      return s;
  return NULL;
}

const PaleoTrainStats *paleo_trainer_stats(const PaleoTrainer *trainer)
{
  return &trainer->stats;
}

gboolean paleo_trainer_trace_status(const PaleoTrainer *trainer, GError **error)
{
  if (!trainer->trace_error)
    return TRUE;
  g_propagate_error(error, g_error_copy(trainer->trace_error));
  return FALSE;
}

void paleo_train_stats_init(PaleoTrainStats *st, uint32_t workers, uint32_t iterations)
{
  st->workers = workers;
  st->iteration_end_ns = g_new0(uint64_t, iterations);
  st->compute_ns = g_new0(uint64_t, workers);
  st->comm_ns = g_new0(uint64_t, workers);
  st->hidden_ns = g_new0(uint64_t, workers);
  st->exposed_ns = g_new0(uint64_t, workers);
  st->wait_ns = g_new0(uint64_t, workers);
}

static void stats_clear(PaleoTrainStats *st)
{
  g_free(st->iteration_end_ns);
  g_free(st->compute_ns);
  g_free(st->comm_ns);
  g_free(st->hidden_ns);
  g_free(st->exposed_ns);
  g_free(st->wait_ns);
}

gboolean paleo_trainer_trace(PaleoTrainer *t, gboolean ok)
{
  if (!ok) {
    g_assert(t->trace_error);
    t->sink = NULL; /* record nothing more */
    paleo_engine_stop(t->engine);
  }
  return ok;
}

void paleo_trainer_free(PaleoTrainer *trainer)
{
  if (!trainer)
    return;
  if (trainer->free)
    trainer->free(trainer);
  stats_clear(&trainer->stats);
  g_clear_error(&trainer->trace_error);
  g_free(trainer);
}

void paleo_train_buckets(const PaleoTrainCosts *c, gboolean overlap, uint64_t bucket_bytes, GArray *first_layer,
                         GArray *bytes)
{
  g_array_set_size(first_layer, 0);
  g_array_set_size(bytes, 0);
  if (!c->total_grad_bytes)
    return;
  uint64_t acc = 0;
  for (guint i = c->n_layers; i-- > 0;) {
    acc += c->grad_bytes[i];
    gboolean close = overlap ? acc >= bucket_bytes : i == 0;
    if (close && acc > 0) {
      g_array_append_val(first_layer, i);
      g_array_append_val(bytes, acc);
      acc = 0;
    }
  }
  if (acc) { /* trailing gradient smaller than a bucket */
    guint zero = 0;
    g_array_append_val(first_layer, zero);
    g_array_append_val(bytes, acc);
  } else /* layers below the last bucket carry no gradient: they join it */
    g_array_index(first_layer, guint, first_layer->len - 1) = 0;
}
