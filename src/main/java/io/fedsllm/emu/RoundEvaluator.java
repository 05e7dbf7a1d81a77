package io.fedsllm.emu;

import io.fedsllm.train.Evaluator;
import io.fedsllm.train.LoraBlocks;
import io.fedsllm.train.TrainContext;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Real mode's measurement of a finished round, owned by the coordinator (the experiment owner, not a party of the
 * modelled system): the validation loss of the full model = the federated server's global client-side LoRA +
 * the main server's LoRA ({@link Evaluator}). It costs no virtual time and runs on the compute dispatcher. It
 * receives only aggregated LoRA, never a client's own upload, activations, gradients or labels.
 */
final class RoundEvaluator {
    private RoundEvaluator() {}

    /** Evaluate the model of round {@code round} at split {@code splitLayer}; the reply is {@link Coordinator.Evaluated}. */
    record Evaluate(int round, int splitLayer, @Carries(Carries.Content.GLOBAL_LORA) byte[] clientGlobal,
            @Carries(Carries.Content.SERVER_LORA) byte[] server, ActorRef<Coordinator.Command> replyTo) implements CborSerializable {}

    static final String ROLE = "evaluator";

    static Behavior<Evaluate> create(TrainContext training, MessageAudit audit) {
        return Behaviors.setup(ctx -> {
            RealMode.prepareComputeThread();
            Evaluator evaluator = Evaluator.create(training);
            return Behaviors.receive(Evaluate.class)
                    .onMessage(Evaluate.class, m -> {
                        audit.record(ROLE, m);
                        try {
                            double loss = evaluator.validationLoss(m.splitLayer(), LoraBlocks.fromBytes(m.clientGlobal()),
                                    LoraBlocks.fromBytes(m.server()));
                            m.replyTo().tell(new Coordinator.Evaluated(m.round(), loss, null));
                        } catch (IllegalArgumentException e) {
                            m.replyTo().tell(new Coordinator.Evaluated(m.round(), Double.NaN, e.getMessage()));
                        }
                        return Behaviors.same();
                    })
                    .onSignal(org.apache.pekko.actor.typed.PostStop.class, s -> {
                        evaluator.close();
                        return Behaviors.same();
                    })
                    .build();
        });
    }
}
