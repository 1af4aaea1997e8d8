/**
 * The process's own CPU and memory (procfs), read by telemetry's metrics and the web's history: one reader.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.vigie.view.process;
