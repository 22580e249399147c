# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # Connection details of the Openfire REST API plugin, on top of homelab.llm_stack.connection
    # and homelab.llm_stack.connection.basic_auth.
    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - Base URL of Openfire's admin console, for example V(http://openfire.llm-stack.svc:9090).
      - The REST API plugin is served there under C(/plugins/restapi/v1), which the module adds.
  api_secret:
    description:
      - Shared secret of the REST API plugin (system property C(plugin.restapi.secret)), sent as the raw
        C(Authorization) header; the plugin must run with C(plugin.restapi.httpAuth=secret). Never logged.
      - Mutually exclusive with O(api_user); one of the two is required.
    type: str
  api_user:
    description:
      - Openfire admin user for HTTP basic authentication, when C(plugin.restapi.httpAuth=basic).
      - Requires O(api_password).
  api_password:
    description:
      - Password of O(api_user). Never logged.
notes:
  - Redirects are never followed. The admin console redirects REST calls to C(/login.jsp) when the Openfire
    system property C(adminConsole.access.allow-wildcards-in-excludes) is not V(true); the module then fails and
    names that property.
  - A 401 means wrong credentials (or a client address missing from C(plugin.restapi.allowedIPs)); a 403 means the
    plugin is disabled (C(plugin.restapi.enabled)).
  - Written for the REST API plugin 1.12.x on Openfire 5.x.
"""
