package io.fedsllm.cluster;

/** Marker of the test messages that cross nodes; TestNodes binds it to jackson-cbor. */
interface TestMessage {}
