package io.fedsllm.emu;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * What a {@link Client} does with the round messages its phases take: it drives the round's arithmetic
 * ({@link ClientRound}), sends the outcome to the servers and the coordinator, arms its waits for the servers and
 * picks the client's next phase. The client's phases decide which message is taken when; a message that does not fit
 * the round, the iteration or the plan once taken is still rejected through the client (counted, logged).
 *
 * <p>A wait for a server runs out as a {@link Client.Timeout}: without gradients the iteration is left out; without
 * the global copy or a barrier the client withdraws from the round (it uploads what it trained and tells the main
 * server).
 */
final class ClientHandlers {
    private static final String TIMER = "wait";

    private final Client client;
    private final StashBuffer<Client.Command> stash;
    private final TimerScheduler<Client.Command> timers;
    private final Client.Kit kit;
    private final ClientRound work;
    private final Outbox outbox;
    private Client.Peers peers;

    ClientHandlers(Client client, StashBuffer<Client.Command> stash, TimerScheduler<Client.Command> timers,
            Client.Kit kit, ClientRound work, Outbox outbox) {
        this.client = client;
        this.stash = stash;
        this.timers = timers;
        this.kit = kit;
        this.work = work;
        this.outbox = outbox;
    }

    /** Who the client talks to; undelivered messages are reported to its coordinator. */
    void connect(Client.Peers m) {
        peers = m;
        outbox.reportTo(m.coordinator());
    }

    /** A round's plan: the round starts, its global copy is awaited (sequential: at the client's turn, unbounded). */
    Behavior<Client.Command> startRound(Client.StartRound m) {
        if (m.round() <= work.lastRound()) {
            return client.reject(m, "round " + m.round() + " already started or finished (last round "
                    + work.lastRound() + ")");
        }
        String bad = ClientRound.check(m);
        if (bad == null) {
            bad = work.start(m);
        }
        if (bad != null) {
            return client.reject(m, bad);
        }
        if (!m.sequential()) {
            arm(-1, Client.Wait.GLOBAL);
        }
        return stash.unstashAll(client.awaitGlobal());
    }

    /** The plan of a later round arrived during a round: the round in progress ends unfinished, {@code m} starts. */
    Behavior<Client.Command> replan(Client.StartRound m) {
        client.log().warn("client {}: round {} ends unfinished, the plan of round {} arrived", kit.id(),
                work.plan().round(), m.round());
        timers.cancel(TIMER);
        work.abandon();
        return startRound(m);
    }

    Behavior<Client.Command> onGlobalLora(Client.GlobalLora m) {
        if (m.round() != work.plan().round()) {
            return client.reject(m, "global LoRA for round " + m.round() + " is not expected now (round "
                    + work.plan().round() + ")");
        }
        if (!work.stillIn(0, m.arrivalS())) {
            return withdraw("left the population");
        }
        if (m.lost()) {
            return withdraw("the global LoRA did not reach it");
        }
        String bad = work.adopt(m);
        if (bad != null) {
            return client.reject(m, bad);
        }
        timers.cancel(TIMER);
        if (work.plan().localTraining()) {
            double[] losses = work.trainLocally();
            for (double loss : losses) {
                if (kit.compute().real() && !Double.isFinite(loss)) {
                    outbox.send(peers.coordinator(), new Coordinator.Diverged(work.plan().round(), "training loss " + loss
                            + " at client " + kit.id()));
                    break;
                }
            }
            return losses.length < work.plan().localIterations() ? withdraw("left the population")
                    : finishRound(work.now());
        }
        arm(0, Client.Wait.BARRIER);
        return stash.unstashAll(client.awaitIteration());
    }

    Behavior<Client.Command> onStartIteration(Client.StartIteration m) {
        if (m.round() != work.plan().round() || m.iteration() != work.iteration() + 1) {
            return client.reject(m, "start of iteration " + m.iteration() + " of round " + m.round()
                    + " unexpected (round " + work.plan().round() + ", iteration " + work.iteration() + ")");
        }
        if (!work.stillIn(m.iteration(), m.arrivalS())) {
            return withdraw("left the population");
        }
        MainServer.Activations a = work.forward(m);
        if (a == null) {
            outbox.send(peers.coordinator(), new Coordinator.Diverged(m.round(), "activations of client " + kit.id()
                    + " are not finite"));
            return finishRound(work.now());
        }
        outbox.send(peers.mainServer(), a);
        arm(m.iteration(), Client.Wait.GRADIENTS);
        return client.awaitGradients();
    }

    Behavior<Client.Command> onGradients(Client.Gradients m) {
        if (m.round() != work.plan().round() || m.iteration() != work.iteration()) {
            return client.reject(m, "gradients of iteration " + m.iteration() + " of round " + m.round() + " unexpected");
        }
        String bad = work.check(m);
        if (bad != null) {
            return client.reject(m, bad);
        }
        if (!work.stillIn(m.iteration(), m.arrivalS())) {
            return withdraw("left the population");
        }
        if (!m.accepted()) {
            // Left out of this iteration: no backward; the next barrier or the aggregation resyncs it.
            work.leftOut(m.arrivalS());
        } else {
            try {
                outbox.send(peers.mainServer(), work.backward(m));
            } catch (IllegalArgumentException e) {
                return client.reject(m, e.getMessage()); // the forward stays pending: a correct gradient may still come
            }
        }
        arm(m.iteration() + 1, Client.Wait.BARRIER);
        return client.awaitIteration();
    }

    Behavior<Client.Command> onEndLocalTraining(Client.EndLocalTraining m) {
        if (m.round() != work.plan().round() || work.plan().localTraining()) {
            return client.reject(m, "end of local training for round " + m.round() + " unexpected");
        }
        if (!work.stillIn(work.plan().localIterations(), m.arrivalS())) {
            return withdraw("left the population");
        }
        return finishRound(m.arrivalS());
    }

    /** Uploads (or reports no upload) and reports the round; idle until the next plan. */
    Behavior<Client.Command> finishRound(double atS) {
        return finishRound(atS, false);
    }

    private Behavior<Client.Command> finishRound(double atS, boolean withdraws) {
        timers.cancel(TIMER);
        ClientRound.Finish f = work.finish(atS, withdraws);
        outbox.send(peers.fedServer(), f.upload());
        outbox.send(peers.coordinator(), f.report());
        return stash.unstashAll(client.idle());
    }

    /**
     * The device is out of the rest of the round by the scenario (it left the population, or the global copy did not
     * reach it): no upload, and the main server stops waiting for it.
     */
    private Behavior<Client.Command> withdraw(String why) {
        client.log().debug("client {} (device {}) withdraws from round {}: {}", kit.id(), work.plan().device(),
                work.plan().round(), why);
        return withdraw(true);
    }

    /** Ends the round now and tells the main server; {@code uploadNothing}: even what was trained stays. */
    private Behavior<Client.Command> withdraw(boolean uploadNothing) {
        int round = work.plan().round();
        boolean split = !work.plan().localTraining();
        Behavior<Client.Command> next = finishRound(work.now(), uploadNothing);
        if (split) {
            outbox.send(peers.mainServer(), new MainServer.Withdraw(round, kit.id()));
        }
        return next;
    }

    Behavior<Client.Command> onTimeout(Client.Timeout m) {
        if (work.plan() == null || m.round() != work.plan().round()) {
            return Behaviors.same();
        }
        if (m.waitingFor() == Client.Wait.GRADIENTS) {
            client.log().warn("client {}: no {} of iteration {} within {} (2 x fedsllm.emu.party-timeout): left out of "
                    + "the iteration", kit.id(), m.waitingFor().what, m.iteration(), kit.partyTimeout().multipliedBy(2));
            work.leftOut(work.now());
            arm(m.iteration() + 1, Client.Wait.BARRIER);
            return client.awaitIteration();
        }
        client.log().warn("client {}: no {} in round {} within {} (2 x fedsllm.emu.party-timeout): withdraws from the "
                + "round", kit.id(), m.waitingFor().what, m.round(), kit.partyTimeout().multipliedBy(2));
        return withdraw(false);
    }

    /**
     * A wait for a server, bounded by twice the party timeout: the server itself waits up to one timeout for the other
     * clients before it answers, and its decision (to leave someone out) must come first.
     */
    private void arm(int iteration, Client.Wait waitingFor) {
        timers.startSingleTimer(TIMER, new Client.Timeout(work.plan().round(), iteration, waitingFor),
                kit.partyTimeout().multipliedBy(2));
    }

    /** No wait for a server any more (a checkpoint's state replaces the round). */
    void cancelWait() {
        timers.cancel(TIMER);
    }
}
