package io.sparktrain.training;

import java.io.Serializable;

/**
 * Where one averaging round's wall time went, along its critical path (the worker whose result the driver received
 * last), in seconds. The parts add up to {@code total} up to the driver's bookkeeping between them.
 *
 * <ul>
 *   <li>{@code scheduling}: from the round's job being submitted to that worker's task running its code: the
 *       scheduler, sending the task, and deserialising it on the executor.</li>
 *   <li>{@code broadcast}: the driver putting the parameters and optimiser state into a broadcast, plus that worker
 *       reading them (fetched and deserialised on its first read on each executor).</li>
 *   <li>{@code compute}: that worker fitting its minibatches.</li>
 *   <li>{@code result}: the rest of the job: copying the network's arrays into the update, serialising it, sending it
 *       to the driver, and with {@code training.aggregation = sharded} the shuffle and the averaging of slices on
 *       the executors.</li>
 *   <li>{@code averaging}: the driver averaging what it received (the loss and workers' reports only, when
 *       sharded) into the next round's state.</li>
 * </ul>
 *
 * @param scheduling job submitted to the critical task's code starting
 * @param broadcast the driver's broadcast plus the critical worker's read of it
 * @param compute the critical worker's fitting
 * @param result the critical worker's result until the job ended
 * @param averaging the driver's averaging
 * @param total the round from the broadcast's start to the averaged state
 */
public record RoundCost(double scheduling, double broadcast, double compute, double result, double averaging,
                        double total) implements Serializable {
    /** Not measured. */
    public static final RoundCost NONE = new RoundCost(0, 0, 0, 0, 0, 0);
}
