/** Detector results, intrusion events, sinks and the EventAdmin topics they are published on. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.1.0")
package io.vigie.api.detect;
