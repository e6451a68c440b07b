/* The executor: runs a step task graph (workloads/graph.h) on the engine, once per
 * data-parallel replica and per iteration, as a trainer (workloads/train.h).
 *
 * Workers are devices: replica r's local device l is worker r x graph->devices + l.
 * Every worker is an entity with the graph's streams; a task starts when its
 * dependencies are complete and the task before it on its stream is complete (a stream's
 * iteration i + 1 follows its iteration i).
 * - compute: consecutive tasks of a stream that nothing outside the stream waits on (and
 *   that wait on nothing else) run as one engine event (a "run"); each task is still
 *   traced with its own times. Durations are the task's nominal cost x the worker's
 *   compute factor of the iteration (drawn when its iteration begins), stretched by its
 *   pauses (workloads/straggler.h).
 * - transfer: flow fidelity, one flow from the sender's node to the receiver's; analytical,
 *   one event after bytes / B (+ alpha) over the intra-host link when both workers share a
 *   host, else the network link.
 * - collective: the participants are the group's local devices (of every replica when
 *   across replicas). Flow fidelity: the collective's message pattern (collective.h), a
 *   participant entering when its task starts, each message a flow; a participant's task
 *   completes when its own messages are done. Analytical: one event of the closed form,
 *   starting once every participant entered; every participant completes then.
 * A worker's iteration begins when its previous one ended (its compute stream's last
 * task, the update) and ends with its next update. Accounting per worker and iteration
 * (train_int.h's PaleoAccount): compute, comm, hidden and exposed comm, and wait = the
 * iteration's length - compute - exposed comm. A failed worker starts nothing more and
 * sends nothing more; tasks waiting on it never start, so the run stalls.
 * The pipeline figures (stats.pass_busy_ns, window_ns, peak_in_flight) count forward and
 * backward compute only; a micro-batch is in flight on a worker from its first forward
 * task there to its last backward task there.
 * Symmetric shortcut (config->lanes, replica_copies): a worker may stand for `lanes`
 * identical devices and the workers for `replica_copies` identical replicas; collectives
 * then take the closed form of every device they stand for (a mirrored tensor-parallel
 * group, every replica), and hosts are the real devices' (rank x lanes). Collectives whose
 * group lies inside one host and spans no replicas (tensor parallelism in a node) are
 * closed forms over the intra-host link in flow fidelity too: their traffic stays off the
 * fabric (NVLink/NVSwitch). */
#ifndef PALEO_EXECUTOR_H
#define PALEO_EXECUTOR_H

#include "workloads/graph.h"
#include "workloads/train.h"

/* Takes ownership of `graph` (finalized). config->workers must be a multiple of
 * graph->devices. */
PaleoTrainer *paleo_executor_new(PaleoEngine *engine, PaleoNetwork *network, const PaleoTrainCosts *costs,
                                 const PaleoTrainConfig *config, PaleoStepGraph *graph);

/* The memory (bytes) a flow-fidelity run of `graph` would need for its collectives:
 * their schedules (one per distinct spec, O(steps): messages are generated on demand) and
 * the instances in progress (two per stream at most; one per replica for groups inside a
 * replica), each a cursor over its participants and at most one step's messages in flight
 * (a FlowCtx and a network flow each). Computed before a topology is built: a run checks
 * it. `in_flight`: the most messages those instances can have in flight. Uses config's
 * workers, collective, gpus_per_host and parameter servers. Receipts that arrive before a
 * participant reaches their step and sends parked on late participants are not counted. */
double paleo_executor_flow_memory(const PaleoStepGraph *graph, const PaleoTrainConfig *config, uint64_t *in_flight);

#endif
