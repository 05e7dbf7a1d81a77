package io.fedsllm.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PlannerSettingsTest {

    private static PlannerSettings read(String... sets) {
        return PlannerSettings.from(ConfigReader.root(ConfigLoader.withSets(sets)));
    }

    @Test
    void defaultsRead() {
        PlannerSettings s = read();
        assertEquals(List.of(1, 2, 4, 6, 8), s.ranks());
        assertEquals(PlannerSettings.PARAMETRIC, s.roundsModel());
        EnergySettings.from(ConfigReader.root(ConfigLoader.withSets()));
        DelaySettings.from(ConfigReader.root(ConfigLoader.withSets()));
        assertTrue(SweepSettings.from(ConfigReader.root(ConfigLoader.withSets())).values().containsKey("bandwidth"));
    }

    @Test
    void emptyRankListIsRejectedNamingTheKey() {
        ConfigError e = assertThrows(ConfigError.class, () -> read("planner.ranks=[]"));
        assertTrue(e.getMessage().contains("fedsllm.planner.ranks") && e.getMessage().contains("non-empty"), e.getMessage());
    }

    @Test
    void unsortedRanksAndMissingTableEntriesAreRejected() {
        ConfigError e = assertThrows(ConfigError.class, () -> read("planner.ranks=[4,2]"));
        assertTrue(e.getMessage().contains("fedsllm.planner.ranks"), e.getMessage());
        ConfigError t = assertThrows(ConfigError.class, () -> read("planner.rounds-model=table", "planner.ranks=[1,3]"));
        assertTrue(t.getMessage().contains("rounds-table") && t.getMessage().contains("rank 3"), t.getMessage());
    }

    @Test
    void roundsTableAcceptsNewRanks() {
        PlannerSettings s = read("planner.rounds-model=table", "planner.ranks=[1,3]", "planner.rounds-table.\"3\"=120");
        assertEquals(120.0, s.roundsTable().get(3));
    }

    @Test
    void energySplitBelowTrainedBlocksIsRejected() {
        ConfigError e = assertThrows(ConfigError.class,
                () -> EnergySettings.from(ConfigReader.root(ConfigLoader.withSets("planner.energy.split-layer=2"))));
        assertTrue(e.getMessage().contains("fedsllm.planner.energy.split-layer"), e.getMessage());
    }
}
