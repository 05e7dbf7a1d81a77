package io.fedsllm.emu;

import io.fedsllm.nn.TorchRuntime;
import io.fedsllm.train.Evaluator;
import io.fedsllm.train.LoraBlocks;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Real mode's measurement of a finished round, owned by the coordinator (the experiment owner, not a party of the
 * modelled system): the validation loss of the full model = the federated server's global client-side LoRA + the
 * main server's LoRA ({@link Evaluator}). It alone holds the validation examples; it costs no virtual time. It
 * receives only aggregated LoRA, never a client's own upload, activations, gradients or labels.
 */
public final class RoundEvaluator {
    private RoundEvaluator() {}

    public sealed interface Command extends CborSerializable permits Evaluate, Stop, Snapshot, Restore {}

    /** Evaluate the model of round {@code round} at split {@code splitLayer}; the reply is {@link Coordinator.Evaluated}. */
    public record Evaluate(int round, int splitLayer, @Carries(Carries.Content.GLOBAL_LORA) byte[] clientGlobal,
            @Carries(Carries.Content.SERVER_LORA) byte[] server, ActorRef<Coordinator.Command> replyTo) implements Command {}

    /** The run is over: report what was received and stop. */
    public record Stop(ActorRef<Coordinator.Command> replyTo) implements Command, Control {}

    /** A checkpoint: the evaluator's message totals (it carries nothing else from round to round). */
    public record Snapshot(ActorRef<Coordinator.Command> replyTo) implements Command, Control {}

    /** Continue the message totals of a checkpoint. */
    public record Restore(@Carries(Carries.Content.PARTY_STATE) byte[] state) implements Command, Control {}

    public static final String ROLE = "evaluator";

    /** What the evaluator is given at spawn: the evaluation (base + validation examples) and its intra-op threads. */
    record Kit(Evaluator evaluator, int torchThreads) {}

    static Behavior<Command> create(Kit kit) {
        PartyAudit audit = new PartyAudit();
        return audit.counting(Command.class, Behaviors.setup(ctx -> {
            Outbox outbox = Outbox.of(ctx.getSystem(), null);   // its coordinator is on its node: a plain tell
            return Behaviors.receive(Command.class)
                    .onMessage(Evaluate.class, m -> {
                        TorchRuntime.enter(kit.torchThreads());
                        try {
                            double loss = kit.evaluator().validationLoss(m.splitLayer(), LoraBlocks.fromBytes(m.clientGlobal()),
                                    LoraBlocks.fromBytes(m.server()));
                            outbox.send(m.replyTo(), new Coordinator.Evaluated(m.round(), loss, null));
                        } catch (IllegalArgumentException e) {
                            outbox.send(m.replyTo(), new Coordinator.Evaluated(m.round(), Double.NaN, e.getMessage()));
                        }
                        return Behaviors.same();
                    })
                    .onMessage(Snapshot.class, m -> {
                        outbox.send(m.replyTo(), new Coordinator.PartyState(ROLE, -1, new Saved(-1, java.util.List.of(), 0, null,
                                audit.stats(ROLE, -1)).toBytes()));
                        return Behaviors.same();
                    })
                    .onMessage(Restore.class, m -> {
                        audit.restore(Saved.fromBytes(m.state()).audit());
                        return Behaviors.same();
                    })
                    .onMessage(Stop.class, m -> {
                        outbox.send(m.replyTo(), new Coordinator.PartyStopped(audit.stats(ROLE, -1)));
                        return Behaviors.stopped();
                    })
                    .onSignal(PostStop.class, s -> {
                        kit.evaluator().close();
                        return Behaviors.same();
                    })
                    .build();
        }));
    }
}
