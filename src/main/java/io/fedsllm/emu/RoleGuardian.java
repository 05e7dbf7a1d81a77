package io.fedsllm.emu;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import io.fedsllm.scenario.Scenario;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * The guardian of one cluster role on one node (as in {@code pekko-sample-cluster-java}): it registers with the
 * Receptionist under its role's {@link ServiceKey}; when the coordinator enrols it (sending the experiment's
 * configuration) it builds its parties' kits from that configuration and the node's resources ({@link Kits},
 * {@link NodeResources}), spawns them (real mode: on the compute dispatcher), answers with their references and
 * watches them: a party that stops — also one that fails before it is wired to anyone — is reported to the
 * coordinator with its cause. In one JVM the guardians of every role run side by side.
 */
public final class RoleGuardian {
    private RoleGuardian() {}

    /** The roles whose parties a node hosts (the coordinator's node is set up by the run itself). */
    public enum Role {
        MAIN_SERVER(MainServer.ROLE), FED_SERVER(FedServer.ROLE), CLIENTS("clients");

        public final String id;

        Role(String id) {
            this.id = id;
        }
    }

    public sealed interface Command extends CborSerializable permits Enroll, Respawn, Reset {}

    /**
     * The coordinator's call: host your parties for this experiment (its configuration, rendered HOCON, and its
     * scenario's text, null for none, read as file {@code scenarioFile}).
     */
    public record Enroll(String experiment, String scenario, String scenarioFile, ActorRef<Coordinator.Command> coordinator)
            implements Command {}

    /** Host these clients anew, with fresh kits (their actors stopped, e.g. in a scripted crash); answered with ClientsEnrolled. */
    public record Respawn(List<Integer> clients) implements Command {}

    /**
     * Stop every party hosted here and host them anew (a server restarting from the last checkpoint restarts every
     * party, so that nothing of the abandoned round is left in flight); answered with the enrolment message once the
     * old parties are gone and the new ones spawned.
     */
    public record Reset() implements Command {}

    /** The Receptionist key of a role's guardians. */
    public static ServiceKey<Command> key(Role role) {
        return ServiceKey.create(Command.class, "fedsllm-" + role.id);
    }

    /**
     * Wraps a party's behaviour when it is spawned (tests: swallow a message, fail at start); identity otherwise.
     */
    public interface PartyDecorator {
        <T> Behavior<T> decorate(String role, int party, Class<T> type, Behavior<T> behavior);

        PartyDecorator NONE = new PartyDecorator() {
            @Override
            public <T> Behavior<T> decorate(String role, int party, Class<T> type, Behavior<T> behavior) {
                return behavior;
            }
        };
    }

    /**
     * Which of the experiment's K clients a clients guardian hosts: every one ({@link #ALL}, one JVM), the listed ids
     * ({@link #of}, the node command's {@code --client-ids}) or the {@code share}-th of {@code shares} contiguous,
     * nearly equal ranges ({@link #share}, {@code --client-share}): K is known only when the coordinator enrols the
     * guardian.
     *
     * @param ids    the listed ids, ascending without repeats; null for a share
     * @param share  1-based share when {@code ids} is null
     * @param shares shares in all when {@code ids} is null
     */
    public record ClientIds(List<Integer> ids, int share, int shares) {
        public static final ClientIds ALL = new ClientIds(null, 1, 1);

        public ClientIds {
            if (ids != null) {
                ids = List.copyOf(new java.util.TreeSet<>(ids));
            } else if (shares < 1 || share < 1 || share > shares) {
                throw new IllegalArgumentException("share " + share + " of " + shares);
            }
        }

        /** Exactly these ids. */
        public static ClientIds of(List<Integer> ids) {
            return new ClientIds(ids, 0, 0);
        }

        /** The {@code share}-th (1-based) of {@code shares} contiguous ranges of the K ids. */
        public static ClientIds share(int share, int shares) {
            return new ClientIds(null, share, shares);
        }

        /**
         * The ids among the experiment's {@code k} clients: a share is [⌊(share−1)·K/shares⌋, ⌊share·K/shares⌋) (it
         * may be empty); listed ids must all be below K, else an {@link IllegalArgumentException} names them.
         */
        public List<Integer> resolve(int k) {
            if (ids == null) {
                int from = (int) ((share - 1L) * k / shares);
                int to = (int) ((long) share * k / shares);
                return java.util.stream.IntStream.range(from, to).boxed().toList();
            }
            List<Integer> outside = ids.stream().filter(c -> c < 0 || c >= k).toList();
            if (!outside.isEmpty()) {
                throw new IllegalArgumentException("this node is to host clients " + outside + ", but the experiment has "
                        + k + " client actors (ids 0.." + (k - 1) + ": system.clients, or the population's devices in "
                        + "real mode)");
            }
            return ids;
        }
    }

    /** A guardian of {@code role}; {@code clientIds}: the clients it hosts (clients role only). */
    public static Behavior<Command> create(Role role, ClientIds clientIds, PartyDecorator decorator) {
        return Behaviors.setup(ctx -> {
            ctx.getSystem().receptionist().tell(Receptionist.register(key(role), ctx.getSelf()));
            return new Hosting(ctx, role, clientIds, decorator).behavior();
        });
    }

    /** The guardian's state: the parties it spawned, by reference. */
    private static final class Hosting {
        private final ActorContext<Command> ctx;
        private final Role role;
        private final ClientIds clientIds;
        private final PartyDecorator decorator;
        private final Map<ActorRef<?>, Integer> parties = new HashMap<>();   // ref → client id, or -1 for a server
        private final Outbox outbox;
        private ActorRef<Coordinator.Command> coordinator;
        private Coordinator.Command enrolled;
        private Config config;
        private Scenario scenario;
        private boolean resetting;

        Hosting(ActorContext<Command> ctx, Role role, ClientIds clientIds, PartyDecorator decorator) {
            this.ctx = ctx;
            this.role = role;
            this.clientIds = clientIds;
            this.decorator = decorator;
            this.outbox = Outbox.of(ctx.getSystem(), null);
        }

        Behavior<Command> behavior() {
            return Behaviors.receive(Command.class)
                    .onMessage(Enroll.class, this::onEnroll)
                    .onMessage(Respawn.class, this::onRespawn)
                    .onMessage(Reset.class, this::onReset)
                    .onSignal(ChildFailed.class, s -> down(s.getRef(), RunFailure.describe(s.cause()),
                            s.cause() instanceof ScriptedCrash c ? c.info() : null))
                    .onSignal(Terminated.class, s -> down(s.getRef(), null, null))
                    .build();
        }

        private Behavior<Command> onEnroll(Enroll m) {
            if (enrolled != null) {
                outbox.send(m.coordinator(), enrolled); // the coordinator saw this guardian twice: same parties
                return Behaviors.same();
            }
            coordinator = m.coordinator();
            outbox.reportTo(coordinator);
            try {
                config = Kits.parse(m.experiment());
                scenario = Kits.scenario(config, m.scenario(), m.scenarioFile());
                enrolled = spawn(clientIds());
            } catch (RuntimeException e) {
                ctx.getLog().error("the {} guardian could not host its parties", role.id, e);
                outbox.send(m.coordinator(), new Coordinator.PartyTerminated(role.id, -1, RunFailure.describe(e)));
                return Behaviors.same();
            }
            outbox.send(m.coordinator(), enrolled);
            return Behaviors.same();
        }

        private Behavior<Command> onRespawn(Respawn m) {
            if (config == null || role != Role.CLIENTS) {
                ctx.getLog().warn("the {} guardian cannot respawn clients {}: {}", role.id, m.clients(),
                        config == null ? "not enrolled" : "it hosts no clients");
                return Behaviors.same();
            }
            for (int c : m.clients()) {
                if (!clientIds().contains(c) || parties.containsValue(c)) {
                    ctx.getLog().warn("the clients guardian cannot respawn client {}: not hosted here, or alive", c);
                    return Behaviors.same();
                }
            }
            outbox.send(coordinator, spawn(m.clients()));
            return Behaviors.same();
        }

        private Behavior<Command> onReset(Reset m) {
            if (config == null) {
                ctx.getLog().warn("the {} guardian cannot reset: not enrolled", role.id);
                return Behaviors.same();
            }
            resetting = true;
            parties.keySet().forEach(ctx::stop);
            return maybeReset();
        }

        /** Once every old party is gone, the new ones are spawned and announced. */
        private Behavior<Command> maybeReset() {
            if (resetting && parties.isEmpty()) {
                resetting = false;
                enrolled = spawn(clientIds());
                outbox.send(coordinator, enrolled);
            }
            return Behaviors.same();
        }

        /** The client actors hosted here among the experiment's ({@link Kits#slots}), as this node was told at start. */
        private List<Integer> clientIds() {
            return clientIds.resolve(Kits.slots(config, scenario));
        }

        private Coordinator.Command spawn(List<Integer> ids) {
            NodeResources node = NodeResources.get(ctx.getSystem());
            Props props = Kits.real(config) ? DispatcherSelector.fromConfig("fedsllm.compute-dispatcher") : Props.empty();
            switch (role) {
                case MAIN_SERVER -> {
                    ActorRef<MainServer.Command> ref = ctx.spawn(decorator.decorate(MainServer.ROLE, -1,
                            MainServer.Command.class, MainServer.create(Kits.mainServer(config, node, scenario))),
                            MainServer.ROLE, props);
                    watch(ref, -1);
                    return new Coordinator.MainServerEnrolled(ref);
                }
                case FED_SERVER -> {
                    ActorRef<FedServer.Command> ref = ctx.spawn(decorator.decorate(FedServer.ROLE, -1,
                            FedServer.Command.class, FedServer.create(Kits.fedServer(config, scenario))), FedServer.ROLE,
                            props);
                    watch(ref, -1);
                    return new Coordinator.FedServerEnrolled(ref);
                }
                default -> {
                    List<ActorRef<Client.Command>> refs = new ArrayList<>(ids.size());
                    for (Client.Kit kit : Kits.clients(config, node, ids, scenario)) {
                        ActorRef<Client.Command> ref = ctx.spawn(decorator.decorate(Client.ROLE, kit.id(),
                                Client.Command.class, Client.create(kit)), "client-" + kit.id(), props);
                        watch(ref, kit.id());
                        refs.add(ref);
                    }
                    return new Coordinator.ClientsEnrolled(ids, refs, ctx.getSelf());
                }
            }
        }

        private void watch(ActorRef<?> ref, int party) {
            ctx.watch(ref);
            parties.put(ref, party);
        }

        private Behavior<Command> down(ActorRef<?> ref, String cause, ScriptedCrash.Info crash) {
            Integer party = parties.remove(ref);
            if (resetting) {
                return maybeReset(); // stopped on purpose: the coordinator waits for the new ones
            }
            if (party != null && coordinator != null) {
                outbox.send(coordinator, new Coordinator.PartyTerminated(party < 0 ? role.id : Client.ROLE, party,
                        crash != null ? null : cause, crash));
            }
            return Behaviors.same();
        }
    }
}
