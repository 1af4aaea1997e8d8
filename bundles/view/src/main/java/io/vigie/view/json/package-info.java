/**
 * JSON shapes of API objects that more than one wire carries (the web's /vigie/api/* and SSE, telemetry's
 * VIGIE-V1 replies): their field names are a public contract, kept here once.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.vigie.view.json;
