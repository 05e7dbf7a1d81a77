package io.fedsllm.emu;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.EmuRuntime;
import io.fedsllm.config.EmuSettings;
import io.fedsllm.config.TrainSettings;
import io.fedsllm.config.UserError;
import io.fedsllm.net.Deployment;
import io.fedsllm.plan.RoundPlanner;
import io.fedsllm.population.Population;
import io.fedsllm.scenario.Scenario;
import io.fedsllm.results.RunResult;
import io.fedsllm.results.RunSink;
import io.fedsllm.train.TrainContext;
import io.fedsllm.train.TrainData;
import io.fedsllm.train.TrainProgress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.LoggerFactory;

/**
 * Runs one emulated experiment, and says what each node of it spawns ({@link #node}, the one place). In one JVM one
 * actor system is every node at once — the guardians of the main-server, fed-server and clients roles side by side,
 * the coordinator with its evaluator, and the recorder that hands results to the caller's {@link RunSink}. On a
 * cluster ({@link Host}) the coordinator node runs the same code without the guardians, and every other node spawns
 * its role's guardian ({@link #roleNode}). The parties find each other through the Receptionist and exchange only
 * messages, in one JVM exactly as on a cluster. Real mode first obtains the node's frozen base (pre-training it when
 * it is not cached, with the caller's progress); its delay model describes the model being trained ({@code cost.model}
 * is set to {@code train.model}). The wait is bounded: the recorder fails the run when the coordinator goes silent.
 */
public final class Emulator {
    private Emulator() {}

    /** Runs the experiment the configuration describes; {@code sink} sees every round as it finishes. */
    public static RunResult run(Config config, RunSink sink) {
        return run(config, sink, TrainProgress.NONE);
    }

    /** As {@link #run(Config, RunSink)}; pre-training the base (real mode, not cached) reports to {@code progress}. */
    public static RunResult run(Config config, RunSink sink, TrainProgress progress) {
        return run(config, sink, progress, RoleGuardian.PartyDecorator.NONE);
    }

    /**
     * Continues an interrupted run from a checkpoint's files ({@code report.Checkpoints.latest}): the parties and the
     * coordinator take up the checkpoint's state and the run goes on with the next round, exactly as it would have.
     */
    public static RunResult resume(Config config, RunSink sink, TrainProgress progress, Map<String, byte[]> checkpoint) {
        return run(config, sink, progress, RoleGuardian.PartyDecorator.NONE, checkpoint);
    }

    /** As {@link #run(Config, RunSink, TrainProgress)}, every party's behaviour wrapped by {@code decorator} (tests). */
    static RunResult run(Config config, RunSink sink, TrainProgress progress, RoleGuardian.PartyDecorator decorator) {
        return run(config, sink, progress, decorator, null);
    }

    /**
     * The run: every party's and the coordinator's behaviour wrapped by {@code decorator} (tests: a message swallowed,
     * a party failing); {@code resume} = a checkpoint's files to continue from, or null.
     */
    static RunResult run(Config config, RunSink sink, TrainProgress progress, RoleGuardian.PartyDecorator decorator,
            Map<String, byte[]> resume) {
        return run(config, sink, progress, decorator, resume, Host.IN_JVM);
    }

    /**
     * Runs the experiment on {@code host}'s actor system: in this JVM with every role ({@link Host#IN_JVM}), or as the
     * coordinator node of a cluster whose other nodes host the roles ({@code cluster.ClusterHost}).
     */
    public static RunResult run(Config config, RunSink sink, TrainProgress progress, Host host) {
        return run(config, sink, progress, RoleGuardian.PartyDecorator.NONE, null, host);
    }

    private static RunResult run(Config config, RunSink sink, TrainProgress progress,
            RoleGuardian.PartyDecorator decorator, Map<String, byte[]> resume, Host host) {
        LoggerFactory.getILoggerFactory(); // initialise logging before the actors' threads ask for loggers at once
        Config checked = experiment(config);   // errors below name flags and files as the user gave them
        Config experiment = Kits.parse(Kits.render(checked)); // what every node receives
        ConfigReader root = ConfigReader.root(experiment);
        EmuSettings emu = EmuSettings.from(root);
        EmuRuntime runtime = EmuRuntime.from(root);
        Scenario scenario = Scenario.of(experiment);
        Deployment deployment = Deployment.from(experiment);
        Population population = Population.from(experiment, deployment);
        boolean real = emu.mode() == EmuSettings.Mode.REAL;
        // The data first: a rejection of it (too few examples for the clients) comes before minutes of pre-training.
        TrainData data = real ? TrainData.load(checked) : null;
        RoundPlanner planner = RoundPlanner.create(experiment, deployment,
                emu.scheme() == EmuSettings.Scheme.CENTRALIZED ? Kits.shardTokens(experiment, data) : null);
        TrainContext context = real ? TrainContext.create(checked, progress) : null;
        CompletableFuture<RunResult> done = new CompletableFuture<>();
        CoordinatorSide side = new CoordinatorSide(experiment, context, data, planner, population, scenario, sink, done,
                runtime, resume);
        ActorSystem<Void> system;
        try {
            system = host.start(node(host.hostsRoles() ? List.of(RoleGuardian.Role.values()) : List.of(),
                    RoleGuardian.ClientIds.ALL, side, decorator), nodeConfig(config));
        } catch (RuntimeException e) {
            if (context != null) {
                context.close();
            }
            throw e;
        }
        system.getWhenTerminated().whenComplete((d, e) -> done.completeExceptionally(
                new IllegalStateException("the actor system terminated before the run completed")));
        try {
            return done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the emulation ran", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Recorder.RunFailed f) {
                throw f.userError() ? new UserError(f.getMessage()) : new IllegalStateException("the emulation failed: "
                        + f.getMessage(), f);
            }
            throw new IllegalStateException("the emulation failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            host.end(system, failure(done));
            system.terminate();
            try {
                system.getWhenTerminated().toCompletableFuture().get(emu.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // The run's outcome is already decided (returned or thrown above) and its outputs are written by the
                // caller: a slow shutdown (on a cluster node, Artery closing its connections to nodes that already
                // left can take longer) does not change it. The command's JVM exits anyway.
                LoggerFactory.getLogger(Emulator.class).warn("the actor system did not terminate within {} "
                        + "(fedsllm.emu.shutdown-timeout); the run's outcome stands", emu.shutdownTimeout());
            }
        }
    }

    /** Why the run failed, as its message; null when it finished (or has not ended: interrupted). */
    private static String failure(CompletableFuture<RunResult> done) {
        if (!done.isCompletedExceptionally()) {
            return done.isDone() ? null : "the coordinator node was interrupted";
        }
        try {
            done.join();
            return null;
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return cause.getMessage();
        }
    }

    /**
     * Where a run's actor system lives and how it ends: this JVM alone, hosting every role ({@link #IN_JVM}), or the
     * coordinator node of a cluster, whose other nodes host the roles and must learn that the run is over.
     */
    public interface Host {
        /** True when the run's system hosts every role's guardian too (one JVM); false on a coordinator node. */
        boolean hostsRoles();

        /** Starts the run's actor system with {@code root} and {@code pekko} (the node's configuration, see {@link #nodeConfig}). */
        ActorSystem<Void> start(Behavior<Void> root, Config pekko);

        /** The run is over ({@code failure}: its message, null when it finished); called before the system terminates. */
        void end(ActorSystem<Void> system, String failure);

        /** The whole experiment in one actor system of this JVM. */
        Host IN_JVM = new Host() {
            @Override
            public boolean hostsRoles() {
                return true;
            }

            @Override
            public ActorSystem<Void> start(Behavior<Void> root, Config pekko) {
                return ActorSystem.create(root, "fedsllm", pekko);
            }

            @Override
            public void end(ActorSystem<Void> system, String failure) {
                // nobody else to tell
            }
        };
    }

    /**
     * The Pekko configuration of a node's actor system from the node's own configuration: the compute dispatcher gets
     * {@code emu.compute-threads} threads (every node, whatever its roles), then the configuration, then Pekko's.
     */
    public static Config nodeConfig(Config config) {
        EmuRuntime runtime = EmuRuntime.from(ConfigReader.root(config));
        Map<String, Object> threads = new HashMap<>();
        threads.put("fedsllm.compute-dispatcher.thread-pool-executor.fixed-pool-size", runtime.computeThreads());
        return ConfigFactory.parseMap(threads).withFallback(config).withFallback(ConfigFactory.defaultReference());
    }

    /**
     * What a cluster node of one role spawns: the role's guardian (for the clients role, hosting {@code clients}),
     * exactly as {@link #run} spawns it beside the coordinator in one JVM. The node stops when its guardian stops.
     */
    public static Behavior<Void> roleNode(RoleGuardian.Role role, RoleGuardian.ClientIds clients) {
        return node(List.of(role), clients, null, RoleGuardian.PartyDecorator.NONE);
    }

    /** The coordinator's side of a node: what the recorder, the evaluator and the coordinator are made from. */
    private record CoordinatorSide(Config experiment, TrainContext context, TrainData data, RoundPlanner planner,
            Population population, Scenario scenario, RunSink sink, CompletableFuture<RunResult> done, EmuRuntime runtime,
            Map<String, byte[]> resume) {}

    /**
     * What one node spawns, the one place for every kind of node: a guardian per role of {@code roles} and, when
     * {@code side} is given, the recorder, the evaluator (real mode) and the coordinator. In one JVM that is every role
     * and the coordinator; a cluster's coordinator node has no role; a role node has one role and no coordinator. A
     * guardian stopping, or the coordinator failing, fails the run naming it (the coordinator watches its evaluator
     * itself); on a node without the coordinator, it stops the node (logged).
     */
    private static Behavior<Void> node(List<RoleGuardian.Role> roles, RoleGuardian.ClientIds clients,
            CoordinatorSide side, RoleGuardian.PartyDecorator decorator) {
        return Behaviors.setup(ctx -> {
            boolean real = side != null && side.context() != null;
            DispatcherSelector planning = DispatcherSelector.fromConfig("fedsllm.planning-dispatcher");
            DispatcherSelector compute = DispatcherSelector.fromConfig("fedsllm.compute-dispatcher");
            if (real) {
                NodeResources.get(ctx.getSystem()).provide(side.experiment(), side.context(), side.data());
            }
            ActorRef<Recorder.Command> recorder = side == null ? null : ctx.spawn(Recorder.create(side.sink(), side.done(),
                    side.runtime().partyTimeout().multipliedBy(5)), "recorder", planning);
            if (recorder != null) {
                ctx.watch(recorder);
            }
            Map<ActorRef<?>, String> watched = new HashMap<>();
            for (RoleGuardian.Role role : roles) {
                ActorRef<RoleGuardian.Command> g = ctx.spawn(RoleGuardian.create(role, clients, decorator), role.id);
                watched.put(g, "the " + role.id + " guardian");
            }
            if (side != null) {
                ActorRef<RoundEvaluator.Command> evaluator = real
                        ? ctx.spawn(RoundEvaluator.create(Kits.evaluator(side.experiment(),
                                NodeResources.get(ctx.getSystem()))), RoundEvaluator.ROLE, compute) : null;
                ActorRef<Coordinator.Command> coordinator = ctx.spawn(decorator.decorate(Coordinator.ROLE, -1,
                        Coordinator.Command.class, Coordinator.create(Coordinator.Kit.of(side.experiment(),
                                side.planner(), side.population(), side.scenario(), recorder, evaluator, side.resume()))),
                        Coordinator.ROLE, planning);
                watched.put(coordinator, "the " + Coordinator.ROLE);
            }
            watched.keySet().forEach(ctx::watch);
            boolean[] over = {false};
            return Behaviors.receive(Void.class)
                    .onSignal(Terminated.class, t -> {
                        if (t.getRef().equals(recorder)) {
                            // The run is over and the driver has its outcome. The node stays up until the driver
                            // ends it (Host.end, then terminate): a coordinator node that left the cluster now would
                            // race the role nodes' own leaving, and a member gone unreachable blocks its exit.
                            over[0] = true;
                            return Behaviors.same();
                        }
                        if (over[0]) {
                            return Behaviors.same();
                        }
                        String cause = t instanceof ChildFailed f ? ": " + RunFailure.describe(f.cause()) : "";
                        if (recorder == null) {
                            ctx.getLog().error("{} stopped{}: this node stops", watched.get(t.getRef()), cause);
                            return Behaviors.stopped();
                        }
                        recorder.tell(new Recorder.Failed(watched.get(t.getRef()) + " stopped" + cause, false));
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    /**
     * The experiment's configuration after every check a run makes before it starts (each a user error naming the key
     * or flag and what is allowed, {@link EmuSettings#checkRun}); real mode's delay model describes {@code train.model},
     * so the planner's split layers are the trained model's block boundaries.
     */
    static Config experiment(Config config) {
        ConfigReader root = ConfigReader.root(config);
        EmuSettings emu = EmuSettings.from(root);
        EmuRuntime.from(root);
        emu.checkRun(root);
        int k = root.section("system").positiveInt("clients");
        for (String link : new String[] {"main", "fed"}) {
            ConfigReader radio = root.section("radio").section(link);
            if (radio.positiveInt("subchannels") < k) {
                throw radio.invalid("subchannels", "expected at least system.clients = " + k
                        + " (every client owns at least one subchannel on each link)");
            }
        }
        if (emu.mode() != EmuSettings.Mode.REAL) {
            return config;
        }
        return ConfigFactory.parseMap(Map.of("fedsllm.cost.model", TrainSettings.from(root).model())).withFallback(config);
    }
}
