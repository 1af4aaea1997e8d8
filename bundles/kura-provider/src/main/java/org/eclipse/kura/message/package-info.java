/**
 * Kura API package as published by org.eclipse.kura.api. Version = the lowest exported by a Kura 5.x
 * api bundle (2.2.0: org.eclipse.kura.message 1.3.0; Kura 6 exports 1.5.0), so importers use [1.3,2).
 * Standalone Vigie runtime only.
 */
@org.osgi.annotation.versioning.Version("1.3.0")
package org.eclipse.kura.message;
