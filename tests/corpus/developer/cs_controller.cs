// C#: a controller that issues short-lived SAS links through the Azure SDK
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

[ApiController]
[Route("api/invoices")]
[Authorize]
public class InvoicesController(BlobServiceClient blobs, IOptions<StorageOptions> options, ILogger<InvoicesController> log)
    : ControllerBase
{
    [HttpGet("{id}/download")]
    public IActionResult Download(string id)
    {
        var container = blobs.GetBlobContainerClient(options.Value.Container);
        var blob = container.GetBlobClient($"{User.Identity!.Name}/{id}.pdf");
        if (!blob.CanGenerateSasUri)
        {
            log.LogError("cannot generate a SAS for {Container}", options.Value.Container);
            return Problem("storage misconfigured");
        }
        var sas = new BlobSasBuilder(BlobSasPermissions.Read, DateTimeOffset.UtcNow.Add(options.Value.SasLifetime))
        {
            BlobContainerName = container.Name,
            BlobName = blob.Name,
            Resource = "b",
        };
        return Ok(new { url = blob.GenerateSasUri(sas).ToString(), expiresIn = options.Value.SasLifetime.TotalSeconds });
    }
}
