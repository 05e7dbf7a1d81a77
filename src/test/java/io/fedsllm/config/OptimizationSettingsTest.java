package io.fedsllm.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The federated optimisation keys of {@code fedsllm.train}: defaults are today's behaviour, bad values name the key. */
class OptimizationSettingsTest {

    private static OptimizationSettings read(String... sets) {
        return OptimizationSettings.from(ConfigReader.root(ConfigLoader.withSets(sets)));
    }

    private static String rejected(String... sets) {
        return assertThrows(ConfigError.class, () -> read(sets)).getMessage();
    }

    @Test
    void defaultsAreAdamWClientsAndServerTotalLossGradientsAndFedAvg() {
        OptimizationSettings o = read();
        assertEquals(OptimizationSettings.OptimizerKind.ADAMW, o.clientOptimizer());
        assertEquals(OptimizationSettings.OptimizerKind.ADAMW, o.serverOptimizer());
        assertEquals(OptimizationSettings.GradientScale.TOTAL_LOSS, o.clientGradientScale());
        assertEquals(OptimizationSettings.Strategy.FEDAVG, o.strategy());
        assertEquals(0, o.proximalMu(), 0, "no proximal term unless the strategy is fedprox");
        assertEquals(new OptimizationSettings.Sgd(1.0, 0, false, 0), o.sgd());
        assertEquals(new OptimizationSettings.FedAvgM(1.0, 0.9), o.fedAvgM());
        assertEquals(new OptimizationSettings.FedOpt(1e-2, 0.9, 0.99, 1e-3, false, 0), o.fedOpt());
    }

    @Test
    void everyChoiceIsReadFromItsKey() {
        OptimizationSettings o = read("train.client-optimizer=sgd", "train.server-optimizer=sgd", "train.client-gradient-scale=own-loss",
                "train.sgd.momentum=0.9", "train.sgd.nesterov=true", "train.fed-strategy=fedprox", "train.fedprox.mu=0.1",
                "train.fedopt.bias-correction=true");
        assertEquals(OptimizationSettings.OptimizerKind.SGD, o.clientOptimizer());
        assertEquals(OptimizationSettings.OptimizerKind.SGD, o.serverOptimizer());
        assertEquals(OptimizationSettings.GradientScale.OWN_LOSS, o.clientGradientScale());
        assertTrue(o.sgd().nesterov());
        assertEquals(0.1, o.proximalMu(), 0);
        assertTrue(o.fedOpt().biasCorrection());
        for (String s : new String[] {"fedavg", "fedavgm", "fedadam", "fedyogi", "fedadagrad", "fedprox"}) {
            assertEquals(s, ConfigReader.configName(read("train.fed-strategy=" + s).strategy()));
        }
        assertFalse(read("train.fed-strategy=fedadam", "train.fedprox.mu=5").proximalMu() > 0, "mu only under fedprox");
    }

    @Test
    void badValuesNameTheKeyAndWhatIsAllowed() {
        String m = rejected("train.fed-strategy=fedsgd");
        assertTrue(m.contains("fedsllm.train.fed-strategy") && m.contains("fedyogi"), m);
        m = rejected("train.client-optimizer=adam");
        assertTrue(m.contains("fedsllm.train.client-optimizer") && m.contains("[adamw, sgd]"), m);
        m = rejected("train.client-gradient-scale=mean");
        assertTrue(m.contains("own-loss"), m);
        m = rejected("train.sgd.nesterov=true");
        assertTrue(m.contains("fedsllm.train.sgd.nesterov") && m.contains("momentum > 0"), m);
        assertTrue(rejected("train.sgd.momentum=1").contains("fedsllm.train.sgd.momentum"));
        assertTrue(rejected("train.fedavgm.momentum=-0.1").contains("fedsllm.train.fedavgm.momentum"));
        assertTrue(rejected("train.fedopt.epsilon=0").contains("fedsllm.train.fedopt.epsilon"));
        assertTrue(rejected("train.fedprox.mu=0").contains("fedsllm.train.fedprox.mu"));
        assertTrue(rejected("train.sgd.learning-rate=0").contains("fedsllm.train.sgd.learning-rate"));
    }
}
