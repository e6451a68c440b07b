/* Internal to workloads/train*.c: the base every trainer embeds first. */
#ifndef PALEO_TRAIN_INT_H
#define PALEO_TRAIN_INT_H

#include "workloads/train.h"

struct PaleoTrainer {
  const PaleoStrategy *strategy;
  PaleoEngine *engine;
  PaleoTrainStats stats;
  PaleoTraceSink *sink;   /* NULL once a write failed */
  GError *trace_error;    /* the failed write */
  void (*free)(PaleoTrainer *trainer); /* frees the derived part (not the base) */
};

void paleo_train_stats_init(PaleoTrainStats *stats, uint32_t workers, uint32_t iterations);
/* Call with the result of a sink callback that was given &trainer->trace_error; on
 * failure stops the engine and disables the sink. Returns `ok`. */
gboolean paleo_trainer_trace(PaleoTrainer *trainer, gboolean ok);

#endif
