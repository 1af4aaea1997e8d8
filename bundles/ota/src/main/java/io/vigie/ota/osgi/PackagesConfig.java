package io.vigie.ota.osgi;

/** The keys of the OTA configuration ({@code io.vigie.ota}, described by {@link OtaConfig}) the packages servlet reads. */
@interface PackagesConfig {
    int download_timeout_seconds() default OtaConfig.DOWNLOAD_TIMEOUT_SECONDS;

    int max_package_mb() default OtaConfig.MAX_PACKAGE_MB;
}
