<#
.SYNOPSIS
  Installs, upgrades, repairs or removes the Hallmonitor agent on Windows. Served by the collector at /install.ps1.

.DESCRIPTION
  Silent and idempotent, for a technician's elevated PowerShell, a GPO computer startup
  script, Intune (Win32 app or platform script) or PDQ Deploy:

    powershell.exe -NoProfile -ExecutionPolicy Bypass -File install-agent.ps1 -Collector https://closet-server:8470 -Token hm1....

  Run it again with the same arguments (the token may be omitted once enrolled) to upgrade
  or repair; -Uninstall removes it. Parameters may also come from the environment variables
  HALLMONITOR_COLLECTOR, HALLMONITOR_TOKEN, HALLMONITOR_NAME and HALLMONITOR_SITE.

  Trust: the token carries the SHA-256 pin of the collector's key. The script fetches the
  collector's CA, accepts it only if its key matches the pin, and from then on accepts only
  server certificates issued by that CA. The executables are checked against SHA256SUMS
  fetched over that connection.

  The service runs through WinSW 2.x (a maintained service wrapper: plain node.exe cannot
  answer the Service Control Manager). WinSW is not redistributed by Hallmonitor: put
  WinSW-x64.exe (v2.12 from its releases page) into the collector's downloads directory.

  Exit codes: 0 done, 1 failed (a one-line reason on stderr), 2 bad parameters.
#>
[CmdletBinding()]
param(
  [string]$Collector = $env:HALLMONITOR_COLLECTOR,
  [string]$Token = $env:HALLMONITOR_TOKEN,
  [string]$Name = $env:HALLMONITOR_NAME,
  [string]$Site = $env:HALLMONITOR_SITE,
  [string[]]$Label = @(),
  [switch]$Reenroll,
  [switch]$Uninstall,
  [switch]$NoStart,
  [string]$InstallDir = (Join-Path $env:ProgramFiles 'Hallmonitor'),
  [string]$DataDir = (Join-Path $env:ProgramData 'Hallmonitor')
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'   # Invoke-WebRequest's progress bar is slow and useless unattended
$ServiceId = 'hallmonitor-agent'
$AgentExe = Join-Path $InstallDir 'hallmonitor-agent.exe'
$WinswExe = Join-Path $InstallDir "$ServiceId.exe"      # WinSW finds its XML by its own file name
$WinswXml = Join-Path $InstallDir "$ServiceId.xml"
$ConfigFile = Join-Path $DataDir 'agent.yaml'
$AgentData = Join-Path $DataDir 'agent'
$LogDir = Join-Path $DataDir 'logs'

function Fail([string]$Message, [int]$Code = 1) {
  [Console]::Error.WriteLine("hallmonitor: error: $Message")
  exit $Code
}
function Say([string]$Message) { Write-Output "hallmonitor: $Message" }

$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) { Fail 'run me elevated (as Administrator or SYSTEM)' 2 }
if (-not [Environment]::Is64BitOperatingSystem) { Fail 'only 64-bit Windows is supported' 2 }

function Stop-AgentService {
  if (Get-Service -Name $ServiceId -ErrorAction SilentlyContinue) {
    Stop-Service -Name $ServiceId -Force -ErrorAction SilentlyContinue
    (Get-Service -Name $ServiceId).WaitForStatus('Stopped', [TimeSpan]::FromSeconds(30))
  }
}

# ------------------------------------------------------------------ uninstall
if ($Uninstall) {
  Stop-AgentService
  if ((Test-Path $WinswExe) -and (Get-Service -Name $ServiceId -ErrorAction SilentlyContinue)) { & $WinswExe uninstall | Out-Null }
  elseif (Get-Service -Name $ServiceId -ErrorAction SilentlyContinue) { & sc.exe delete $ServiceId | Out-Null }
  Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $InstallDir, $DataDir
  Say 'removed the Hallmonitor agent (the collector keeps this machine''s history; delete it there if wanted)'
  exit 0
}

# ------------------------------------------------------------------ checks
if (-not $Collector) { Fail '-Collector URL is required (or set HALLMONITOR_COLLECTOR)' 2 }
$Collector = $Collector.TrimEnd('/')
if ($Collector -notmatch '^[a-z]+://') { $Collector = "https://$Collector" }
if ($Collector -notmatch '^https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$') { Fail "-Collector: not of the form https://host:port: $Collector" 2 }
if ($Token -and $Token -notmatch '^hm1\.[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)?$') { Fail '-Token: not a Hallmonitor enrollment token (expected hm1....)' 2 }
$enrolled = Test-Path $ConfigFile
if ((-not $enrolled -or $Reenroll) -and -not $Token) { Fail '-Token is required: this machine is not enrolled yet' 2 }

# ------------------------------------------------------------------ trust
# .NET Framework (PowerShell 5.1) cannot export a key as SubjectPublicKeyInfo, so the
# pin is taken from the certificate's DER: TBSCertificate's 7th element (6th without
# the optional [0] version) is the SubjectPublicKeyInfo, hashed as a whole.
function Read-DerLength([byte[]]$b, [int]$i) {
  $first = $b[$i + 1]
  if ($first -lt 0x80) { return @(2, [int]$first) }
  $n = $first -band 0x7f; $len = 0
  for ($k = 0; $k -lt $n; $k++) { $len = ($len * 256) + $b[$i + 2 + $k] }
  return @((2 + $n), $len)
}
function Get-SpkiPin([byte[]]$der) {
  $h = Read-DerLength $der 0; $tbs = $h[0]               # into Certificate SEQUENCE
  $t = Read-DerLength $der $tbs; $i = $tbs + $t[0]      # into TBSCertificate SEQUENCE
  if ($der[$i] -eq 0xA0) { $e = Read-DerLength $der $i; $i += $e[0] + $e[1] }   # [0] version
  for ($skip = 0; $skip -lt 5; $skip++) { $e = Read-DerLength $der $i; $i += $e[0] + $e[1] }  # serial, sigAlg, issuer, validity, subject
  $e = Read-DerLength $der $i
  $spki = New-Object byte[] ($e[0] + $e[1]); [Array]::Copy($der, $i, $spki, 0, $spki.Length)
  $sha = [Security.Cryptography.SHA256]::Create()
  return 'sha256/' + [Convert]::ToBase64String($sha.ComputeHash($spki))
}
function Get-TokenPin([string]$t) {
  $parts = $t.Split('.')
  if ($parts.Length -lt 3) { return $null }
  $b = $parts[2].Replace('-', '+').Replace('_', '/')
  switch ($b.Length % 4) { 2 { $b += '==' } 3 { $b += '=' } }
  return "sha256/$b"
}

$pin = $null
if ($Token) { $pin = Get-TokenPin $Token }
if (-not $pin -and $enrolled) {
  $m = Select-String -Path $ConfigFile -Pattern '^\s+pin:\s*["'']?(sha256/[A-Za-z0-9+/=]+)' | Select-Object -First 1
  if ($m) { $pin = $m.Matches[0].Groups[1].Value }
}

[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12
if ($Collector.StartsWith('https:')) {
  if (-not $pin) { Fail 'the token has no certificate pin but the collector URL is https' }
  # A C# callback: script-block callbacks can run on threads without a PowerShell runspace.
  if (-not ('HallmonitorPinnedCa' -as [type])) {
    Add-Type -TypeDefinition @'
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
public static class HallmonitorPinnedCa {
  public static X509Certificate2 Ca;
  public static bool Any(object s, X509Certificate c, X509Chain ch, SslPolicyErrors e) { return true; }
  // Host names are not checked, as the agent does not: the CA is this collector's own.
  public static bool Check(object s, X509Certificate cert, X509Chain ignored, SslPolicyErrors e) {
    if (Ca == null || cert == null) return false;
    var chain = new X509Chain();
    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
    chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
    chain.ChainPolicy.ExtraStore.Add(Ca);
    if (!chain.Build(new X509Certificate2(cert))) return false;
    foreach (var el in chain.ChainElements) { if (el.Certificate.Thumbprint == Ca.Thumbprint) return true; }
    return false;
  }
}
'@
  }
  [Net.ServicePointManager]::ServerCertificateValidationCallback = [HallmonitorPinnedCa]::Any
  try { $caJson = (New-Object Net.WebClient).DownloadString("$Collector/api/v1/enroll/ca") | ConvertFrom-Json }
  catch { Fail "cannot reach $Collector (is the collector running and its port open?): $($_.Exception.Message)" }
  $ca = New-Object Security.Cryptography.X509Certificates.X509Certificate2 (, [Text.Encoding]::ASCII.GetBytes($caJson.ca))
  $got = Get-SpkiPin $ca.RawData
  if ($got -ne $pin) { Fail "the collector presents key $got but the token pins ${pin}: wrong collector, or someone in between. Nothing was sent." }
  [HallmonitorPinnedCa]::Ca = $ca
  [Net.ServicePointManager]::ServerCertificateValidationCallback = [HallmonitorPinnedCa]::Check
} else {
  Say "warning: $Collector is plain HTTP; nothing protects the download or the credential on the way"
}

$tmp = Join-Path $env:TEMP ('hallmonitor-' + [guid]::NewGuid())
New-Item -ItemType Directory -Path $tmp | Out-Null
try {
  $web = New-Object Net.WebClient
  try { $sums = $web.DownloadString("$Collector/downloads/SHA256SUMS") } catch { Fail "cannot download SHA256SUMS: $($_.Exception.Message)" }
  function Get-Verified([string]$file, [switch]$Optional) {
    $line = ($sums -split "`n") | Where-Object { $_ -match "^([0-9a-f]{64})  $([regex]::Escape($file))\s*$" } | Select-Object -First 1
    if (-not $line) { if ($Optional) { return $null } ; Fail "the collector serves no $file" }
    $want = ($line -split '\s+')[0]
    $dest = Join-Path $tmp $file
    try { $web.DownloadFile("$Collector/downloads/$file", $dest) } catch { Fail "cannot download ${file}: $($_.Exception.Message)" }
    if ((Get-FileHash $dest -Algorithm SHA256).Hash -ne $want) { Fail "$file does not match the collector's SHA256SUMS; not installed" }
    return $dest
  }
  $newAgent = Get-Verified 'hallmonitor-agent-windows-x64.exe'
  $newWinsw = Get-Verified 'WinSW-x64.exe' -Optional
  if (-not $newWinsw -and -not (Test-Path $WinswExe)) { Fail 'the collector serves no WinSW-x64.exe: put WinSW 2.x (WinSW-x64.exe) into its downloads directory (see docs/deploy.md)' }
  $newVersion = (& $newAgent --version).Trim()

  # ---------------------------------------------------------------- files
  Stop-AgentService
  New-Item -ItemType Directory -Force -Path $InstallDir, $DataDir, $AgentData, $LogDir | Out-Null
  Copy-Item -Force $newAgent $AgentExe
  if ($newWinsw) { Copy-Item -Force $newWinsw $WinswExe }
  foreach ($f in '.prev', '.bad', '.download', '.update.json') { Remove-Item -Force -ErrorAction SilentlyContinue "$AgentExe$f" }

  # The config holds the agent's credential: SYSTEM and Administrators only.
  & icacls.exe $DataDir /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' | Out-Null

  # ---------------------------------------------------------------- enrollment
  if (-not $enrolled -or $Reenroll) {
    $enrollArgs = @('enroll', '--collector', $Collector, '--token', $Token, '--config', $ConfigFile)
    if ($Name) { $enrollArgs += @('--name', $Name) }
    if ($Site) { $enrollArgs += @('--site', $Site) }
    foreach ($l in $Label) { $enrollArgs += @('--label', $l) }
    & $AgentExe @enrollArgs
    if ($LASTEXITCODE -ne 0) { Fail 'enrollment failed (see the message above)' }
    $yamlPath = $AgentData.Replace("'", "''")   # YAML single quotes: '' is a literal '
    Add-Content -Path $ConfigFile -Value ("dataDir: '" + $yamlPath + "'")
  } else {
    Say "already enrolled ($ConfigFile); keeping that identity (use -Reenroll -Token ... to enroll again)"
  }

  # ---------------------------------------------------------------- service
  # WinSW 2.x expands %BASE% (its own folder) and environment variables.
  $xml = @'
<service>
  <id>hallmonitor-agent</id>
  <name>Hallmonitor agent</name>
  <description>Reports this machine's health, disks and patch level to the Hallmonitor collector.</description>
  <executable>%BASE%\hallmonitor-agent.exe</executable>
  <arguments>run --config "%ProgramData%\Hallmonitor\agent.yaml"</arguments>
  <env name="HALLMONITOR_SELF_UPDATE" value="1"/>
  <startmode>Automatic</startmode>
  <delayedAutoStart>true</delayedAutoStart>
  <serviceaccount><username>LocalSystem</username></serviceaccount>
  <onfailure action="restart" delay="10 sec"/>
  <onfailure action="restart" delay="30 sec"/>
  <onfailure action="restart" delay="60 sec"/>
  <resetfailure>1 hour</resetfailure>
  <stoptimeout>20 sec</stoptimeout>
  <logpath>%ProgramData%\Hallmonitor\logs</logpath>
  <log mode="roll-by-size">
    <sizeThreshold>10240</sizeThreshold>
    <keepFiles>5</keepFiles>
  </log>
</service>
'@
  if ($DataDir -ne (Join-Path $env:ProgramData 'Hallmonitor')) {
    $xml = $xml.Replace('%ProgramData%\Hallmonitor', [Security.SecurityElement]::Escape($DataDir))
  }
  [IO.File]::WriteAllText($WinswXml, $xml, (New-Object Text.UTF8Encoding $false))

  if (-not (Get-Service -Name $ServiceId -ErrorAction SilentlyContinue)) {
    & $WinswExe install | Out-Null
    if ($LASTEXITCODE -ne 0) { Fail "WinSW could not register the service (exit $LASTEXITCODE)" }
  } else {
    & $WinswExe refresh | Out-Null   # picks up XML changes on upgrade
  }
  if ($NoStart) {
    Say "agent $newVersion installed (not started: -NoStart)"
  } else {
    Start-Service -Name $ServiceId
    Start-Sleep -Seconds 3
    if ((Get-Service -Name $ServiceId).Status -ne 'Running') { Fail "agent installed but not running; see $LogDir" }
    Say "agent $newVersion installed and running; it reports to $Collector"
  }
  Say "check it: & '$AgentExe' collect --once   |   Get-Service $ServiceId   |   logs in $LogDir"
} finally {
  [Net.ServicePointManager]::ServerCertificateValidationCallback = $null
  Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $tmp
}
exit 0
