package io.fedsllm.emu;

import io.fedsllm.emu.MainServer.Activations;
import io.fedsllm.emu.MainServer.BackwardDone;
import io.fedsllm.emu.MainServer.Command;
import io.fedsllm.emu.MainServer.Timeout;
import io.fedsllm.emu.MainServer.Wait;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The main server's round in progress, from its plan to its report, as the actor's handlers drive it: the iterations
 * of the split schemes (activations in, the server step once they are, backward reports in, the next iteration), the
 * clients dropped from the round (withdrawn, lost, silent), the waits armed with {@code emu.party-timeout} and what
 * happens when one runs out, and the round's end (its report, or a diverged loss). The arithmetic is
 * {@link ServerRound}'s; the phases are {@link MainServer}'s, which this class returns to. One per server actor.
 */
final class MainIterations {
    private final ServerParty<Command, MainServer.Peers> party;
    private final MainServer.Kit kit;
    private final VirtualClock clock;
    private final Supplier<Behavior<Command>> iterating;
    private final Supplier<Behavior<Command>> idle;
    private ServerRound round;
    private int steps;                    // timer generation: server steps taken

    /** {@code iterating}: the server's phase while the iterations run; {@code idle}: its phase between rounds. */
    MainIterations(ServerParty<Command, MainServer.Peers> party, MainServer.Kit kit, VirtualClock clock,
            Supplier<Behavior<Command>> iterating, Supplier<Behavior<Command>> idle) {
        this.party = party;
        this.kit = kit;
        this.clock = clock;
        this.iterating = iterating;
        this.idle = idle;
    }

    /** The round in progress, or null between rounds. */
    ServerRound round() {
        return round;
    }

    /** A round starts (its plan accepted) or (null) is dropped. */
    void begin(ServerRound round) {
        this.round = round;
    }

    /** Waits {@code emu.party-timeout} for {@code what} of the current step. */
    void arm(Wait what) {
        party.await(new Timeout(round.plan().round(), steps, what), kit.partyTimeout());
    }

    /** Iteration barrier passed at {@code startS}: the clients run forward (nobody expected: the server steps). */
    Behavior<Command> startIteration(double startS) {
        if (!round.startIteration(startS)) {
            return stepServer();
        }
        arm(Wait.ACTIVATIONS);
        return iterating.get();
    }

    Behavior<Command> onActivations(Activations m) {
        if (m.round() != round.plan().round()) {
            return party.reject(m, "activations of round " + m.round() + " iteration " + m.iteration() + " unexpected");
        }
        String bad = round.accept(m);
        if (bad != null) {
            return party.reject(m, bad);
        }
        return round.barrier().allArrived() ? stepServer() : Behaviors.same();
    }

    private Behavior<Command> stepServer() {
        steps++;
        double loss = round.stepServer();
        if (kit.compute().real() && round.barrier().acceptedCount > 0 && !Double.isFinite(loss)) {
            return diverged(loss);
        }
        party.outbox().send(party.coordinator(), new Coordinator.IterationProgress(round.plan().round(), round.iteration(),
                clock.now()));
        if (round.barrier().acceptedCount == 0) {
            return nextIteration();
        }
        arm(Wait.BACKWARD);
        return iterating.get();
    }

    Behavior<Command> onBackwardDone(BackwardDone m) {
        if (m.round() != round.plan().round()) {
            return party.reject(m, "backward of round " + m.round() + " iteration " + m.iteration() + " unexpected");
        }
        String bad = round.backwardDone(m);
        if (bad != null) {
            return party.reject(m, bad);
        }
        return round.barrier().allBackward() ? nextIteration() : Behaviors.same();
    }

    private Behavior<Command> nextIteration() {
        if (!round.nextIteration()) {
            arm(Wait.ACTIVATIONS);
            return round.barrier().expectedCount == 0 ? stepServer() : iterating.get();
        }
        return finish();
    }

    /** The round's work is done: its report to the coordinator, then the plans and blocks stashed meanwhile. */
    Behavior<Command> finish() {
        party.stopWaiting();
        party.outbox().send(party.coordinator(), round.iterationsDone());
        round = null;
        return party.unstashAll(idle.get());
    }

    /** The training loss is not finite: the coordinator ends the run. */
    Behavior<Command> diverged(double loss) {
        party.stopWaiting();
        party.outbox().send(party.coordinator(), new Coordinator.Diverged(round.plan().round(), "training loss " + loss
                + " at the main server"));
        round = null;
        return idle.get();
    }

    /** A client out of this round (gone, withdrawn, silent); what became due runs now. */
    Behavior<Command> dropClient(int client, boolean tell, String why) {
        int due = round.drop(client, tell, party.log(), why);
        return due == 1 ? stepServer() : due == 2 ? nextIteration() : Behaviors.same();
    }

    /**
     * A wait ran out: the federated server's blocks are reported to the coordinator as stalled (it ends the run); the
     * clients still awaited are out of the round.
     */
    Behavior<Command> onTimeout(Timeout m) {
        if (round == null || m.round() != round.plan().round() || m.step() != steps) {
            return Behaviors.same(); // a wait already over
        }
        if (m.waitingFor() == Wait.BLOCKS) {
            party.outbox().send(party.coordinator(), new Coordinator.Stalled(m.round(), "main server", "the federated "
                    + "server's blocks for split " + round.plan().splitLayer() + " (AdoptBlocks)",
                    kit.partyTimeout().toString()));
            return Behaviors.same();
        }
        String why = m.waitingFor() == Wait.ACTIVATIONS ? "sent no activations" : "reported no backward";
        for (int c : round.awaited()) {
            if (m.waitingFor() == Wait.ACTIVATIONS) {
                round.countLeftOut();
            }
            round.drop(c, true, party.log(), why + " within " + kit.partyTimeout() + " (fedsllm.emu.party-timeout)");
        }
        return m.waitingFor() == Wait.ACTIVATIONS ? (round.barrier().allArrived() ? stepServer() : Behaviors.same())
                : (round.barrier().allBackward() ? nextIteration() : Behaviors.same());
    }
}
