package io.vigie.ota.osgi;

/** The keys of the OTA configuration ({@code io.vigie.ota}, described by {@link OtaConfig}) the packages servlet reads. */
@interface PackagesConfig {
    int download_timeout_seconds() default OtaConfig.DOWNLOAD_TIMEOUT_SECONDS;

    int max_package_mb() default OtaConfig.MAX_PACKAGE_MB;

    boolean download_allow_local() default OtaConfig.DOWNLOAD_ALLOW_LOCAL;

    String download_allowed_hosts() default OtaConfig.DOWNLOAD_ALLOWED_HOSTS;
}
