// retained: lesson 2-4 (ESP8266 保留消息应用). After its first connect the board publishes the
// retained message "Retained Msg" to Taichi-Maker-Pub-<MAC>, once per boot. The server keeps it,
// and any client that subscribes to the topic later gets it at once.
//
// Against the lab: run `mqtt-lab --lan`, put the mqttServer line it prints in place of the one
// below, set ssid and password, upload, open the serial monitor at 115200 baud, then subscribe in
// the lab to the topic the board prints: the message arrives although it was sent before. Without
// a board, `mqtt-lab nodemcu --pty --sketch retained` (or `new esp --sketch retained` inside the
// lab) runs the same program on a virtual NodeMCU.
//
// 保留消息（第 2-4 课）：开机第一次连上后，向 Taichi-Maker-Pub-<MAC> 发布一次保留消息
// "Retained Msg"。服务端把它存下来，之后订阅这个主题的客户端立刻收到它。在电脑上运行
// `mqtt-lab --lan`，把它打印的 mqttServer 那一行替换下面那一行，填好 Wi-Fi，上传，串口监视器设为
// 115200，再在实验室里订阅开发板打印的主题：消息虽然早已发出，仍然收得到。没有开发板：
// `mqtt-lab nodemcu --pty --sketch retained`（或在实验室里 `new esp --sketch retained`）。

#include <ESP8266WiFi.h>
#include <PubSubClient.h>

const char* ssid = "taichi-maker";        // your Wi-Fi 你的 Wi-Fi 名称
const char* password = "12345678";        // its password 密码
const char* mqttServer = "192.168.1.23";  // ← the line mqtt-lab --lan prints

WiFiClient wifiClient;
PubSubClient mqttClient(wifiClient);

bool retainedSent = false;  // once per boot, not after every reconnect

void setup() {
  Serial.begin(115200);
  Serial.println();  // a clean line after the boot ROM's noise

  WiFi.mode(WIFI_STA);
  connectWifi();

  mqttClient.setServer(mqttServer, 1883);
  connectMQTTServer();
}

void loop() {
  if (mqttClient.connected()) {
    mqttClient.loop();  // keeps the heartbeat
  } else {
    connectMQTTServer();
  }
}

void connectMQTTServer() {
  String clientId = "esp8266-" + WiFi.macAddress();

  if (mqttClient.connect(clientId.c_str())) {
    Serial.println("MQTT Server Connected.");
    Serial.println("Server Address: ");
    Serial.println(mqttServer);
    Serial.println("ClientId:");
    Serial.println(clientId);
    if (!retainedSent) {
      retainedSent = true;
      pubRetainedMsg();
    }
  } else {
    Serial.print("MQTT Server Connect Failed. Client State:");
    Serial.println(mqttClient.state());
    delay(5000);
  }
}

void pubRetainedMsg() {
  String topicString = "Taichi-Maker-Pub-" + WiFi.macAddress();
  const char* message = "Retained Msg";

  // The third argument, true, sets the RETAIN flag.
  if (mqttClient.publish(topicString.c_str(), message, true)) {
    Serial.print("Publish Topic: ");
    Serial.println(topicString);
    Serial.print("Publish message: ");
    Serial.println(message);
  } else {
    Serial.println("Message Publish Failed.");
  }
}

void connectWifi() {
  WiFi.begin(ssid, password);
  while (WiFi.status() != WL_CONNECTED) {
    delay(1000);
    Serial.print(".");
  }
  Serial.println("");
  Serial.println("WiFi Connected!");
  Serial.println("");
}
