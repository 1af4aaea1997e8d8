/**
 * Kura API package as published by org.eclipse.kura.api (Kura 5.x): cloud request/response handlers (cloudlets such
 * as DEPLOY-V2). Standalone Vigie runtime only; inside Kura, Kura's own API bundle exports it.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
package org.eclipse.kura.cloudconnection.request;
