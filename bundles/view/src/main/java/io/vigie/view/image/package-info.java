/**
 * One way to picture a processed frame: {@link io.vigie.view.image.Picture} holds one native copy of the frame,
 * {@link io.vigie.view.image.Annotator} draws boxes, zones and an optional status line onto it and
 * {@link io.vigie.view.image.JpegEncoder} turns it into JPEG bytes, all with OpenCV. The web stream and the cloud
 * snapshots both use them, so both look alike. 1.1: {@code Picture} and the methods taking it (the
 * {@code BufferedImage} methods of 1.0 remain, through a copy).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package io.vigie.view.image;
