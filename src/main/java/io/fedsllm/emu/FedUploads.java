package io.fedsllm.emu;

import io.fedsllm.emu.FedServer.Command;
import io.fedsllm.emu.FedServer.NoUpload;
import io.fedsllm.emu.FedServer.Timeout;
import io.fedsllm.emu.FedServer.Upload;
import io.fedsllm.scenario.MessageKind;
import java.util.List;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The federated server's round in progress, from its plan to its aggregation, as the actor's handlers drive it: the
 * global copy sent out once it holds the client segment (to every live participant, or in split learning relayed
 * from client to client in id order; each send lost or held as the scenario says), the uploads checked and
 * collected, clients lost or silent past {@code emu.party-timeout} left out, and the |D_k|-weighted average that ends
 * the round. The bookkeeping is {@link FedRound}'s; the phases are {@link FedServer}'s, which this class returns to.
 * One per server actor.
 */
final class FedUploads {
    private final ServerParty<Command, FedServer.Peers> party;
    private final FedServer.Kit kit;
    private final Supplier<Behavior<Command>> collecting;
    private final Supplier<Behavior<Command>> idle;
    private FedRound round;

    /** {@code collecting}: the server's phase while uploads are awaited; {@code idle}: its phase between rounds. */
    FedUploads(ServerParty<Command, FedServer.Peers> party, FedServer.Kit kit, Supplier<Behavior<Command>> collecting,
            Supplier<Behavior<Command>> idle) {
        this.party = party;
        this.kit = kit;
        this.collecting = collecting;
        this.idle = idle;
    }

    /** The round in progress, or null between rounds. */
    FedRound round() {
        return round;
    }

    /** A round starts (its plan accepted) or (null) is dropped. */
    void begin(FedRound round) {
        this.round = round;
    }

    /** The copy holds exactly the client segment {@code held}: it goes out (sl: to the first client only). */
    Behavior<Command> broadcast(List<Integer> held) {
        FedServer.Configure plan = round.plan();
        byte[] weights = kit.copy().bytes();
        if (round.sequential()) {
            round.relayWeights(weights);
            relayNext();
        } else {
            boolean[] lost = party.lost();
            for (int c : plan.participants()) {
                if (!lost[c]) {
                    send(c, held, weights, plan.startS());
                }
            }
        }
        return maybeAggregate();
    }

    /** Split learning: hand the latest LoRA to the next live client in id order. */
    private void relayNext() {
        int c = round.nextInTurn();
        if (c >= 0) {
            send(c, party.blocks().held(), round.relayWeights(), round.relayAtS());
        }
    }

    /** The global copy (or the relayed LoRA) to client {@code c}, sent at {@code atS}; lost or held by the scenario. */
    private void send(int c, List<Integer> held, byte[] weights, double atS) {
        FedServer.Configure plan = round.plan();
        Transmission t = Transmission.of(kit.scenario(), round.device(c), MessageKind.GLOBAL_LORA, plan.round(), 0, atS,
                at -> 0);
        if (!t.delivered()) {
            round.note(new Note(null, t.arrivalS(), "message-lost", List.of(round.device(c)), "global LoRA of round "
                    + plan.round() + " lost on the fed link (" + t.lost() + "): the client sits the round out"));
        }
        party.outbox().send(party.peers().clients().get(c), new Client.GlobalLora(plan.round(), plan.splitLayer(), held,
                party.version(), t.delivered() ? weights : null, !t.delivered(), t.arrivalS()));
    }

    Behavior<Command> onUpload(Upload m) {
        FedServer.Configure plan = round.plan();
        String why = round.checkReport(m.round(), m.client());
        if (why == null && !m.blocks().equals(Blocks.range(0, plan.splitLayer()))) {
            why = "uploaded blocks " + m.blocks() + " are not the client segment 0.." + (plan.splitLayer() - 1);
        }
        if (why == null && m.bits() != plan.loraBits()) {
            why = "LoRA size " + m.bits() + " bits, expected " + plan.loraBits();
        }
        if (why == null && (m.samples() < 1 || !Double.isFinite(m.arrivalS()) || m.arrivalS() < plan.startS())) {
            why = "invalid sample count " + m.samples() + " or arrival " + m.arrivalS() + " s";
        }
        GlobalCopy.Decoded d = why == null ? kit.copy().decode(m.weights(), m.bits(), plan.rank()) : null;
        if (why == null && d.refused() != null) {
            why = "client " + m.client() + ": " + d.refused();
        }
        if (why != null) {
            return party.reject(m, why);
        }
        round.upload(m, d.lora());
        if (round.sequential()) {
            party.nextVersion();
            relayNext();
        }
        return maybeAggregate();
    }

    Behavior<Command> onNoUpload(NoUpload m) {
        String why = round.checkReport(m.round(), m.client());
        if (why != null) {
            return party.reject(m, why);
        }
        if (m.lost()) {
            round.note(new Note(round.plan().localIterations(), m.arrivalS(), "message-lost",
                    List.of(round.device(m.client())), "LoRA upload of round " + m.round() + " lost on the fed link: "
                    + "left out of the aggregation"));
        }
        round.noUpload(m.client());
        if (round.sequential()) {
            relayNext();
        }
        return maybeAggregate();
    }

    /** Client {@code client} is gone: not awaited any more (sl: the relay skips it once the copy went out). */
    Behavior<Command> onLost(int client) {
        boolean turn = round.lose(client);
        if (!party.blocks().holdsExactly(0, round.plan().splitLayer())) {
            return Behaviors.same(); // hand-over: nothing broadcast or awaited yet
        }
        if (turn) {
            relayNext();
        }
        return maybeAggregate();
    }

    /** Every live participant reported: the |D_k|-weighted average (client-id order), reported to the coordinator. */
    private Behavior<Command> maybeAggregate() {
        if (!round.complete()) {
            return collecting.get();
        }
        party.stopWaiting();
        FedRound.Aggregation a = round.aggregation();
        FedServer.crashIfDue(kit.scenario(), round.plan(), round.plan().localIterations(), a.endS());
        if (!round.sequential() && !a.contributors().isEmpty()) {
            party.nextVersion();
        }
        kit.copy().aggregate(a.uploads(), a.samples(), round.sequential());
        party.outbox().send(party.coordinator(), new Coordinator.Aggregated(round.plan().round(), a.endS(),
                a.contributors(), a.weights(), a.bytesFed(), party.version(), kit.copy().bytes(), round.notes()));
        round = null;
        return party.unstashAll(idle.get());
    }

    /** The round's local training is over: every upload is due within {@code emu.party-timeout}. */
    Behavior<Command> uploadsDue(int dueRound) {
        if (dueRound == round.plan().round()) {
            party.await(new Timeout(dueRound, true), kit.partyTimeout());
        }
        return Behaviors.same();
    }

    /**
     * A wait ran out: the main server's blocks are reported to the coordinator as stalled (it ends the run); the
     * clients whose uploads are still awaited are left out of the average.
     */
    Behavior<Command> onTimeout(Timeout m) {
        if (m.round() != round.plan().round()) {
            return Behaviors.same();
        }
        if (!m.uploads()) {
            party.outbox().send(party.coordinator(), new Coordinator.Stalled(m.round(), "federated server", "the main "
                    + "server's blocks for split " + round.plan().splitLayer() + " (ServerBlocks)",
                    kit.partyTimeout().toString()));
            return Behaviors.same();
        }
        for (int c : round.awaited()) {
            party.log().warn("federated server: client {} sent no LoRA in round {} within {} (fedsllm.emu.party-timeout):"
                    + " left out of the aggregation", c, m.round(), kit.partyTimeout());
            round.noUpload(c);
        }
        return maybeAggregate();
    }
}
