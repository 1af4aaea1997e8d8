/**
 * One way to picture a processed frame: {@link io.vigie.view.image.Annotator} draws boxes, zones and an
 * optional status line onto the frame, {@link io.vigie.view.image.JpegEncoder} turns it into JPEG bytes.
 * The web stream and the cloud snapshots both use them, so both look alike.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.vigie.view.image;
