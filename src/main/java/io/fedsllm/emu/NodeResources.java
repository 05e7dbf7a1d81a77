package io.fedsllm.emu;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import io.fedsllm.train.TrainContext;
import io.fedsllm.train.TrainData;
import io.fedsllm.train.TrainProgress;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * What the parties of one node (one actor system) may share read-only, a Pekko extension: the frozen base weights
 * with the model settings ({@link TrainContext}) and the experiment's data ({@link TrainData}), from which a role's
 * guardian hands each party only its own part (a client its shard, the evaluator the validation examples). Loaded
 * once per node for one experiment configuration; nothing here travels in a message or is ever mutated. Closed when
 * the actor system terminates. The device is the node's own: {@code fedsllm.train.device} of the node's actor system
 * configuration replaces the experiment's (a cluster's main-server node may have a GPU the coordinator lacks,
 * {@code deploy/main-server.conf}); in one JVM both are the same value.
 */
public final class NodeResources implements Extension {
    private TrainContext context;
    private TrainData data;
    private String contextKey;
    private String dataKey;
    private final Config device;   // the node's own train.device, as a layer over the experiment (empty if unset)

    private NodeResources(ActorSystem<?> system) {
        Config own = system.settings().config();
        device = own.hasPath(DEVICE) ? own.withOnlyPath(DEVICE) : ConfigFactory.empty();
        system.getWhenTerminated().whenComplete((done, failure) -> close());
    }

    private static final String DEVICE = "fedsllm.train.device";

    /** The experiment as this node trains it: with the node's own device. */
    private Config local(Config experiment) {
        return device.withFallback(experiment);
    }

    /** This node's resources. */
    public static NodeResources get(ActorSystem<?> system) {
        return Id.INSTANCE.apply(system);
    }

    /**
     * Makes an already obtained context and data this node's (e.g. after pre-training with a progress bar before the
     * actors start); the context is closed with the node.
     */
    public synchronized void provide(Config config, TrainContext ctx, TrainData trainData) {
        if (context != null || data != null) {
            throw new IllegalStateException("this node already holds a training context or data");
        }
        context = ctx;
        data = trainData;
        contextKey = key(config);
        dataKey = contextKey;
    }

    /** The node's training context for {@code config}, obtained on first use (from the base cache, or pre-trained). */
    public synchronized TrainContext trainContext(Config config) {
        String k = key(config);
        if (context == null) {
            context = TrainContext.create(local(config), TrainProgress.NONE);
            contextKey = k;
        } else if (!contextKey.equals(k)) {
            throw new IllegalStateException("this node holds a training context of another experiment configuration");
        }
        return context;
    }

    /** The node's data for {@code config}, loaded on first use. */
    public synchronized TrainData trainData(Config config) {
        String k = key(config);
        if (data == null) {
            data = TrainData.load(config);
            dataKey = k;
        } else if (!dataKey.equals(k)) {
            throw new IllegalStateException("this node holds the data of another experiment configuration");
        }
        return data;
    }

    private static String key(Config config) {
        return config.getConfig("fedsllm").root().render(ConfigRenderOptions.concise());
    }

    private synchronized void close() {
        if (context != null) {
            context.close();
            context = null;
        }
    }

    /** The extension's id. */
    static final class Id extends ExtensionId<NodeResources> {
        static final Id INSTANCE = new Id();

        @Override
        public NodeResources createExtension(ActorSystem<?> system) {
            return new NodeResources(system);
        }
    }
}
