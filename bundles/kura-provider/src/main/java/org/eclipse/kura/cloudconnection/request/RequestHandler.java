package org.eclipse.kura.cloudconnection.request;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Serves remote requests for one application id ({@code $EDC/account/client/APP-ID/METHOD/resource...}). The request
 * message carries the resource path as {@link RequestHandlerMessageConstants#ARGS_KEY} (a {@code List<String>});
 * the returned message is the reply. A thrown {@link KuraException} becomes an error reply. Unimplemented methods
 * answer OPERATION_NOT_SUPPORTED.
 */
@ConsumerType
public interface RequestHandler {

    default KuraMessage doGet(RequestHandlerContext context, KuraMessage reqMessage) throws KuraException {
        throw new KuraException(KuraErrorCode.OPERATION_NOT_SUPPORTED);
    }

    default KuraMessage doPut(RequestHandlerContext context, KuraMessage reqMessage) throws KuraException {
        throw new KuraException(KuraErrorCode.OPERATION_NOT_SUPPORTED);
    }

    default KuraMessage doPost(RequestHandlerContext context, KuraMessage reqMessage) throws KuraException {
        throw new KuraException(KuraErrorCode.OPERATION_NOT_SUPPORTED);
    }

    default KuraMessage doDel(RequestHandlerContext context, KuraMessage reqMessage) throws KuraException {
        throw new KuraException(KuraErrorCode.OPERATION_NOT_SUPPORTED);
    }

    default KuraMessage doExec(RequestHandlerContext context, KuraMessage reqMessage) throws KuraException {
        throw new KuraException(KuraErrorCode.OPERATION_NOT_SUPPORTED);
    }
}
