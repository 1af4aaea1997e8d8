/** Detection models as services: identity, bytes, input/output spec. Registered by model bundles. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.vigie.api.model;
