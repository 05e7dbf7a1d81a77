package io.fedsllm.net;

import java.util.List;

/** The channel realisation of one global round: both links plus the per-client report values. */
public record RoundChannel(int round, LinkState main, LinkState fed, List<ClientRadio> clients) {}
