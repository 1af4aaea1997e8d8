/** Frames and frame sources (file, RTSP/HTTP, V4L2, image folder). */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package io.vigie.api.video;
