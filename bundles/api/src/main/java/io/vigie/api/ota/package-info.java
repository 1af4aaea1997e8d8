/** The OTA agent's EventAdmin topics and event properties (installs, verdicts, rollbacks of deployment packages). */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.vigie.api.ota;
