/** Turning model bytes into a running detector. Knows nothing of Kura, HTTP or MQTT. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.vigie.api.inference;
