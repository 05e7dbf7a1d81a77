package io.fedsllm.plan;

/** Chooses split layer, rank, subchannels and PSDs for one round. */
@FunctionalInterface
public interface Planner {
    Plan plan(PlanningProblem problem);
}
