package org.eclipse.kura.cloudconnection.request;

/** Keys of {@link RequestHandlerContext#getContextProperties()}. */
public enum RequestHandlerContextConstants {
    TENANT_ID,
    DEVICE_ID,
    NOTIFICATION_PUBLISHER_PID
}
