/**
 * Kura API package as published by org.eclipse.kura.api. Version = the lowest exported by a Kura 5.x
 * api bundle (2.2.0: org.eclipse.kura 1.5.0; Kura 6 exports 1.7.0), so a bundle compiled against this
 * provider imports [1.5,2) and resolves on every Kura 5.x and 6. Standalone Vigie runtime only.
 */
@org.osgi.annotation.versioning.Version("1.5.0")
package org.eclipse.kura;
